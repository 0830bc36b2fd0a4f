from tests.factories import priority_point


def test_a_priority_point_page_shows_its_description_and_institutions(client):
    point = priority_point(6)
    html = client.get(f"/punti/{point.slug}").get_data(as_text=True)
    assert "Agricoltura, agroalimentare e zootecnia" in html
    assert "filiera agrifood cremonese" in html
    assert "Coldiretti Cremona" in html and "Provincia di Cremona" in html
    assert "Transizione ecologica" in html


def test_a_priority_point_page_in_english(client):
    point = priority_point(6)
    html = client.get(f"/punti/{point.slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Agriculture, agri-food and livestock" in html
    assert "Institutions involved" in html


def test_an_unknown_priority_point_is_a_404(client):
    assert client.get("/punti/nessuno").status_code == 404


def test_home_links_every_point_and_institution_pages_link_back(client):
    home = client.get("/").get_data(as_text=True)
    point = priority_point(1)
    assert f'href="/punti/{point.slug}"' in home
    institutions = client.get("/enti/").get_data(as_text=True)
    assert 'href="/enti/provincia-cremona"' in institutions
    detail = client.get("/enti/provincia-cremona").get_data(as_text=True)
    assert f'href="/punti/{point.slug}"' in detail
    assert client.get("/enti/nessuno").status_code == 404


def test_footer_pages_exist(client):
    for path in ("/privacy", "/accessibilita"):
        assert client.get(path).status_code == 200
