"""Schemathesis over the whole OpenAPI document, signed in with a token (docs/api.md "Fuzzing").

Every operation of ``/api/openapi.json`` is called through the WSGI application in this process (no server, the
test's own database transaction) with a few generated requests: valid ones aimed at real rows of the fixtures
(the ids of their households, people, claims, notices … in the path) and invalid ones (Schemathesis' negative
mode). Every answer must be documented: no 5xx, no status the operation does not declare, no body outside its
declared schema. Bounded and reproducible: ``EXAMPLES`` requests per operation and kind, a fixed seed
(``derandomize``), no shrinking, no example database, no deadline. All failures are collected and listed at
once, one line per operation, check and status, with the body and a curl command that reproduces it (the curl
line hides the token: the request carried ``Authorization: Bearer`` with a token of the test's account).
"""
import time
from contextlib import contextmanager

import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from grassroots.access import selectors
from grassroots.api.testing import token_for

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
EXAMPLES = {"valid": 5, "invalid": 3}  # per operation


class Fuzzer:
    def __init__(self, user, known_ids: dict[str, object]):
        self.user = user
        self.known_ids = known_ids
        self.app = get_wsgi_application()
        self.schema = schemathesis.openapi.from_wsgi("/api/openapi.json", self.app)
        self.secret = ""
        self.failures: dict[tuple, str] = {}
        self.timings: list[tuple[float, str]] = []
        self.calls = 0

    def headers(self) -> dict[str, str]:
        # DELETE /api/auth/tokens/current/ (and a generated token id that happens to be ours) revoke the token
        # in hand: the next operation gets a fresh one, so that it is not answered 401 throughout.
        if not self.secret or selectors.user_for_token(self.secret)[0] is None:
            self.secret = token_for(self.user, "模糊测试")
        return {"Authorization": f"Bearer {self.secret}"}

    def run(self) -> None:
        for result in self.schema.get_all_operations():
            operation = result.ok()
            started = time.perf_counter()
            for kind, strategy in self.strategies(operation):
                try:
                    self.examples(operation, kind, strategy)
                except Unsatisfiable:
                    pass  # nothing invalid can be made of this operation's inputs
            self.timings.append((time.perf_counter() - started, operation.label))

    def strategies(self, operation):
        """Valid requests, on real rows where the path names one, and invalid ones where there is an input."""
        names = {parameter.name for parameter in operation.path_parameters}
        real = {name: value for name, value in self.known_ids.items() if name in names} or None
        headers = self.headers()
        yield ("valid", operation.as_strategy(GenerationMode.POSITIVE, headers=headers, path_parameters=real))
        if operation.path_parameters or operation.query or operation.body or len(operation.headers) > 0:
            yield ("invalid", operation.as_strategy(GenerationMode.NEGATIVE, headers=headers))

    def examples(self, operation, kind: str, strategy) -> None:
        @settings(max_examples=EXAMPLES[kind], deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def call(case):
            self.calls += 1
            response = case.call(app=self.app)
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                for failure in group.exceptions:
                    key = (operation.label, failure.title, response.status_code)
                    message = " ".join(failure.message.split())[:300]
                    self.failures.setdefault(key, f"{kind}: {message}\n      body: {response.text[:300]}\n      "
                                                  f"{case.as_curl_command()}")

        call()

    def report(self) -> str:
        return "\n".join(f"{label} — {title} — {status}\n      {detail}"
                         for (label, title, status), detail in sorted(self.failures.items()))


@contextmanager
def _connections_kept():
    """What Django's test client does around each request: a request's start and end must not close the
    connection, which holds the test's transaction (on PostgreSQL ``close_old_connections`` closes a connection
    inside an atomic block, rolling the fixtures back under the fuzzer)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(user, world) -> None:
    started = time.perf_counter()
    with _connections_kept():
        fuzzer = Fuzzer(user, world)  # reading the document is a request too
        fuzzer.run()
    elapsed = time.perf_counter() - started
    slowest = ", ".join(f"{label} {seconds:.1f}s" for seconds, label in sorted(fuzzer.timings, reverse=True)[:3])
    print(f"\n{user.username}: {len(fuzzer.timings)} operations, {fuzzer.calls} requests in {elapsed:.0f}s "
          f"(slowest: {slowest})")
    assert not fuzzer.failures, f"{len(fuzzer.failures)} failures:\n{fuzzer.report()}"


def test_every_operation_answers_as_documented_to_a_village_secretary(world, secretary):
    _fuzz(secretary, world)


def test_every_operation_answers_as_documented_to_a_grid_worker(world, insider):
    _fuzz(insider, world)
