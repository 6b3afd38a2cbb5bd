"""The points routes kept their paths and their OpenAPI operationIds when points/ was split into apps: a client
generated from the document before the split still finds every method under the same name."""

import pytest

from grassroots.api.api import api

# Every points route as the document named it before the split (8982b41), one per moved module.
BEFORE_THE_SPLIT = [
    ("get", "/api/points/rules/", "grassroots_points_api_list_rules"),  # catalogue
    ("post", "/api/points/claims/", "grassroots_points_api_record_claims"),  # claims
    ("post", "/api/points/reviews/", "grassroots_points_api_review_claims"),
    ("post", "/api/points/public/notices/{token}/objections/", "grassroots_points_api_public_objection"),
    ("get", "/api/points/entries/{entry_id}/origin/", "grassroots_points_api_entry_origin"),  # ledger
    ("get", "/api/points/results/households/{household_id}/balance/",
     "grassroots_points_api_results_household_balance"),  # ledger, results router
    ("post", "/api/points/results/settlements/", "grassroots_points_api_results_compute_settlement"),  # settlement
    ("get", "/api/points/results/grids/{code}/statement/", "grassroots_points_api_results_grid_statement"),  # boards
]


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema()


@pytest.mark.parametrize(("method", "path", "operation_id"), BEFORE_THE_SPLIT)
def test_points_routes_keep_their_paths_and_operation_ids(document, method, path, operation_id):
    assert document["paths"][path][method]["operationId"] == operation_id


def test_operation_ids_are_unique(document):
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
