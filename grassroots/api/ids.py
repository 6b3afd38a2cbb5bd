"""The one id type of the JSON API: every id a client sends (a path segment, a query parameter, a
field of a body) is a positive integer no larger than ``MAX_ID``.

Why a bound at all: an unbounded int reached the database, and SQLite cannot bind an integer past
2**63 - 1 (an OverflowError, answered 500). Why 2**53 - 1 rather than 2**63 - 1: most clients of this
API are JavaScript (the pages' scripts, the WeChat mini-program), whose numbers are doubles: an id
past 2**53 cannot be read back exactly, so the API never hands one out nor accepts one. Row ids are
BigAutoField counters and will not come near it.
"""

from typing import Annotated

from pydantic import Field, Strict

MAX_ID = 2**53 - 1  # Number.MAX_SAFE_INTEGER

# Path and query parameters arrive as text: "42" is read as 42.
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID, description=f"编号（1 到 {MAX_ID} 的整数）")]
# A field of a JSON body: a JSON number only ("42" as a string is refused), like the rest of StrictIn.
StrictObjectId = Annotated[ObjectId, Strict()]
