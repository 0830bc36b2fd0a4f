

def test_visitor_sees_thirteen_points_under_three_axes_in_italian(client, app):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="it">' in html
    for title in ("Digitalizzazione e innovazione", "Transizione ecologica", "Inclusione sociale"):
        assert title in html
    assert html.count('class="point-card"') == 13
    assert "Azioni energetiche" in html
