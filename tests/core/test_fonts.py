"""The pages are set in Titillium Web, the Designers Italia typeface, served by the app itself."""
import re


def test_every_font_the_stylesheet_names_is_served_by_the_app(client):
    with client.get("/static/engage.css") as response:
        css = response.get_data(as_text=True)
    fonts = re.findall(r'url\("(/fonts/[^"]+)"\)', css)
    assert len(fonts) == 4
    for path in fonts:
        with client.get(path) as response:
            assert response.status_code == 200, path
            assert response.mimetype == "font/ttf"
            assert response.data[:4] == b"\x00\x01\x00\x00"  # a TrueType font
            assert "max-age=31536000" in response.headers["Cache-Control"]


def test_only_the_fonts_in_use_are_served(client):
    assert client.get("/fonts/TitilliumWeb-Black.ttf").status_code == 404
    assert client.get("/fonts/..%2Fmetadata.json").status_code == 404
