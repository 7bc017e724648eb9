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

# closure_move fires it with case= when a closure as reintegrated is approved (or made); a handler
# returns the composite of the case's last sustainability assessment (0–1), or None (the plans app).
closure_index = Reaction("closure index")

# A service that writes case records around save() (QuerySet.update(), raw SQL, a bulk insert) fires
# it with case_ids= once the write is done, in its transaction: the insights app works out those
# cases' summary rows again (insights/facts.py), which the ORM's signals would not have told it of.
records_written = Reaction("records written")
