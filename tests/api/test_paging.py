"""A researcher pages through a consultation's proposals: every order and filter of the web list,
a page at a time, each proposal exactly once, even when others arrive while they page."""
import pytest

from engage.extensions import db
from engage.proposals import queries, search
from engage.proposals.models import ProposalStatus
from tests.api.world import HIDDEN_TITLE, PENDING_TITLE, build
from tests.factories import make_proposal, make_supports


@pytest.fixture
def world(db):
    return build()


def every_page(client, url: str) -> tuple[list[dict], int]:
    """All items, following `next`; and how many pages it took."""
    items, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        pages += 1
        assert (body["next"] is None) == (body["next_cursor"] is None)
        url = body["next"] and body["next"].removeprefix("http://localhost:5000")
    return items, pages


def newest(**filters) -> queries.ProposalFilters:
    """The API's default order (the web list's default is random)."""
    return queries.ProposalFilters(order=queries.Order.NEWEST, **filters)


def web_list_ids(consultation, filters: queries.ProposalFilters) -> list[int]:
    return [p.id for p in db.session.scalars(queries.proposal_list(consultation, filters))]


@pytest.mark.parametrize("order", ["supports", "newest", "comments", "random"])
def test_paging_in_any_order_gives_the_web_lists_order_once_each(client, world, order):
    items, pages = every_page(client, f"/api/v1/consultations/{world.voting.id}/proposals?order={order}&seed=42"
                                      "&limit=2")
    expected = web_list_ids(world.voting, queries.ProposalFilters(order=queries.Order(order), seed=42))
    assert [item["id"] for item in items] == expected
    assert len(expected) == 6 and pages == 3
    titles = {item["title"] for item in items}
    assert PENDING_TITLE not in titles and HIDDEN_TITLE not in titles


def test_the_random_order_depends_on_the_seed_and_only_on_it(client, world):
    url = f"/api/v1/consultations/{world.voting.id}/proposals?order=random&limit=100"
    once = [item["id"] for item in client.get(url + "&seed=1").get_json()["items"]]
    again = [item["id"] for item in client.get(url + "&seed=1").get_json()["items"]]
    other = [item["id"] for item in client.get(url + "&seed=987654321").get_json()["items"]]
    assert once == again and sorted(once) == sorted(other) and once != other


@pytest.mark.parametrize("query, filters", [
    ("priority_point={point}", lambda w: newest(priority_point_id=w.voting.priority_points[1].id)),
    ("comune={crema}", lambda w: newest(comune_id=w.proposals[0].comune_id)),
    ("status=qualified", lambda w: newest(status=queries.StatusFilter.QUALIFIED)),
    ("status=answered", lambda w: newest(status=queries.StatusFilter.ANSWERED)),
    ("answer_status=accepted", lambda w: newest(answer_status=queries.AnswerStatus.ACCEPTED)),
    ("q=serale 3", lambda w: newest(words=tuple(search.words_of("serale 3")))),
])
def test_the_filters_are_the_web_lists(client, world, query, filters):
    query = query.format(point=world.voting.priority_points[1].id, crema=world.proposals[0].comune_id)
    items, _pages = every_page(client, f"/api/v1/consultations/{world.voting.id}/proposals?{query}&limit=2")
    expected = web_list_ids(world.voting, filters(world))
    assert expected, "the world must give each filter something to find"
    assert [item["id"] for item in items] == expected
    assert len(expected) < 6, "a filter that keeps everything proves nothing"


def test_a_proposal_arriving_mid_paging_neither_repeats_nor_hides_another(client, world):
    url = f"/api/v1/consultations/{world.voting.id}/proposals?order=supports&limit=3"
    first = client.get(url).get_json()
    seen = [item["id"] for item in first["items"]]
    # Between two pages, a very popular proposal arrives and a withdrawal changes nothing else.
    newcomer = make_proposal(world.voting, title="Arrivata ora")
    make_supports(newcomer, 9)
    world.proposals[1].status = ProposalStatus.WITHDRAWN
    db.session.commit()
    rest, _pages = every_page(client, first["next"].removeprefix("http://localhost:5000"))
    seen += [item["id"] for item in rest]
    assert sorted(seen) == sorted(p.id for p in world.proposals), "each of the first six exactly once"
    assert newcomer.id not in seen  # it sorts before the cursor: the next reader from the top sees it


def test_a_made_up_or_foreign_cursor_is_a_bad_request(client, world):
    base = f"/api/v1/consultations/{world.voting.id}/proposals"
    newest = client.get(base + "?order=newest&limit=1").get_json()["next_cursor"]
    for cursor in ("nonsense", "W10", newest):
        response = client.get(f"{base}?order=supports&cursor={cursor}")
        assert response.status_code == 400
        problem = response.get_json()
        assert problem["status"] == 400 and "cursor" in problem["errors"]
    assert client.get(f"{base}?order=newest&cursor={newest}").status_code == 200



def _forged(*parts) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize("when", ["2020-01-01T00:00:00", "0001-01-01T00:00:00", "0001-01-01T00:00:00+05:00",
                                  "9999-12-31T23:59:59-05:00", "yesterday", 20200101])
def test_a_forged_time_in_a_cursor_is_a_bad_request_not_a_server_error(client, world, when):
    """A time without its zone, or one that leaves the calendar once moved to UTC, once reached
    the database and came back as a 500."""
    base = f"/api/v1/consultations/{world.voting.id}/proposals?order=newest&cursor="
    response = client.get(base + _forged("newest", when, 1))
    assert response.status_code == 400, response.get_json()
    assert response.content_type == "application/problem+json" and "cursor" in response.get_json()["errors"]


def test_a_forged_cursor_with_a_zone_still_finds_its_place(client, world):
    base = f"/api/v1/consultations/{world.voting.id}/proposals?order=newest&cursor="
    later = client.get(base + _forged("newest", "2999-01-01T05:00:00+05:00", 2**31 - 1))
    assert later.status_code == 200 and len(later.get_json()["items"]) == len(world.proposals)
    earlier = client.get(base + _forged("newest", "2000-01-01T00:00:00+00:00", 1))
    assert earlier.status_code == 200 and earlier.get_json()["items"] == []

def test_comments_page_oldest_first_without_hidden_or_deleted_ones(client, world):
    items, pages = every_page(client, f"/api/v1/proposals/{world.proposals[0].id}/comments?limit=2")
    assert [c["id"] for c in items] == [c.id for c in world.comments[:3]] and pages == 2
    assert items[1]["parent_id"] == items[0]["id"]
    general = client.get(f"/api/v1/consultations/{world.voting.id}/comments").get_json()["items"]
    assert [c["id"] for c in general] == [world.comments[3].id]


def test_a_page_of_proposals_costs_the_same_queries_for_2_items_as_for_100(client, world, count_queries):
    url = f"/api/v1/consultations/{world.voting.id}/proposals?order=supports&limit="
    client.get(url + "2")  # warm up: the first request loads what every request shares
    with count_queries() as few:
        assert len(client.get(url + "2").get_json()["items"]) == 2
    for number in range(40):
        make_proposal(world.voting, title=f"Altra {number}", comune="Crema")
    db.session.commit()
    with count_queries() as many:
        assert len(client.get(url + "100").get_json()["items"]) == 46
    assert len(many) == len(few)


@pytest.mark.parametrize("order, first, id_", [("newest", "2020-01-01T00:00:00+00:00", 2**31),
                                               ("supports", 2**31, 1), ("comments", 1, -2**31 - 1),
                                               ("supports", 2**63 - 1, 2**63 - 1)])
def test_a_number_too_big_for_the_database_in_a_cursor_is_a_bad_request(client, world, order, first, id_):
    """Ids and counts are 32-bit columns on PostgreSQL: a bigger number failed there with a 500."""
    base = f"/api/v1/consultations/{world.voting.id}/proposals?order={order}&cursor="
    assert client.get(base + _forged(order, first, id_)).status_code == 400
    comments = f"/api/v1/consultations/{world.voting.id}/comments?cursor="
    assert client.get(comments + _forged("id", 2**31, 2**31)).status_code == 400
