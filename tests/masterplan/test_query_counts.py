"""Pages run a fixed number of queries, however much data there is."""
from engage.auth.models import Role
from tests.factories import make_user, priority_point


def test_home_page_needs_a_fixed_handful_of_queries(client, count_queries):
    with count_queries() as queries:
        assert client.get("/").status_code == 200
    # axes, their points, open consultations, and those consultations' points
    assert len(queries) <= 4, queries


def test_home_page_for_a_signed_in_admin_adds_only_the_session_user(client_as, count_queries):
    client = client_as(make_user(Role.ADMIN))
    with count_queries() as queries:
        client.get("/")
    assert len(queries) <= 6, queries  # + user, + memberships


def test_priority_point_page_queries_do_not_grow_with_institutions(client, count_queries):
    point = priority_point(11)  # the point with the most institutions
    assert len(point.institutions) >= 8
    with count_queries() as queries:
        assert client.get(f"/punti/{point.slug}").status_code == 200
    assert len(queries) <= 6, queries  # point, institutions, consultations (+ points), proposals, in progress
