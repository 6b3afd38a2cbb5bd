"""Pages of pairing (/pairing/): thin views over pairing.selectors and pairing.services."""

from django.http import Http404


def not_yet(request, **kwargs):
    """A reserved page that has not landed yet (urls.py). Remove once every page is in."""
    raise Http404("未找到")


# ---------------------------------------------------------------------- pairs

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage

# ---------------------------------------------------------------------- end of coverage


# ---------------------------------------------------------------------- cloud branch

# ---------------------------------------------------------------------- end of cloud branch
