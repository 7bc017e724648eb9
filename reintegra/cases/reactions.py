"""Moments in a case that other apps react to (see lib/reactions.py). Each is fired by one service."""

from reintegra.lib.reactions import Reaction

# consent_withdraw fires it with actor= and consent=; each handler returns how many of its records
# ended because of the withdrawal (the referrals app: referrals revoked), for the timeline line.
consent_withdrawn = Reaction("consent withdrawn")

# return_record fires it with actor=, case= and returned_on= (the plans app schedules the
# sustainability assessments from the return date).
return_recorded = Reaction("return recorded")

# closure_move fires it with actor= and case= when a closure is approved, before the move is recorded;
# each handler returns how many of its records ended with the case (the referrals app: open referrals).
case_closed = Reaction("case closed")
