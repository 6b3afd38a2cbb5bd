"""Reads of pairing: the registers of pairs, a pair with its windows and visits, a household's pairs, coverage
by area with drill-down, a visitor's "due this week", and the seed's figures (visits, problems collected, problems
solved) for any area and period — computed from the records, never typed in.

Every answer about due / overdue / missed comes from rules/pairing.py (``windows``, ``window_on``); nothing here
decides it again. Every read goes through access/scope.py (``visible_pairs``, ``access_pair``,
``access_paired_household``).
"""

# ---------------------------------------------------------------------- pairs: registers

# ---------------------------------------------------------------------- end of pairs


# ---------------------------------------------------------------------- visits: a pair, a visit, a household

# ---------------------------------------------------------------------- end of visits


# ---------------------------------------------------------------------- coverage, due this week, figures

# ---------------------------------------------------------------------- end of coverage


# ---------------------------------------------------------------------- cloud branch

# ---------------------------------------------------------------------- end of cloud branch
