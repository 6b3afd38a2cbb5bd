"""JSON API of pairing, mounted under /api/pairing: pairs, visits (created with a required ``Idempotency-Key``: a
phone on a weak signal retries), the problems visits collected, and coverage. Thin routes over pairing.selectors
and pairing.services; scoped like the pages."""

from ninja import Router

router = Router(tags=["包联结对"])

# ---------------------------------------------------------------------- pairs

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits and problems

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage

# ---------------------------------------------------------------------- end of coverage
