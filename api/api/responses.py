"""Responses a route builds itself, with what its dependencies added."""

from fastapi import Response


def with_dependency_headers(answer: Response, dependencies: Response) -> Response:
    """`answer`, built by the route, with the headers its dependencies set on the injected
    `Response` (the rate limit's `RateLimit-*`): FastAPI adds those only to the responses it
    builds from a return value."""
    answer.raw_headers.extend(dependencies.raw_headers)
    return answer
