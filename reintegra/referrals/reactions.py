"""Moments of a referral that other apps react to (see lib/reactions.py). Each is fired by one service."""

from reintegra.lib.reactions import Reaction

# referral_move fires it with actor=, referral=, move= ("complete" or "revoke") and confirmed=, inside
# the move's transaction, before the move is recorded. A handler whose records still need the
# receiving agency refuses an unconfirmed end (a ValidationError naming the work, under "confirm"),
# and otherwise returns the ids of the records it kept or released, for the move's audit record
# (the livelihoods app: enrolments still to enrol, complete, place or follow up; decisions/0018).
referral_ending = Reaction("referral ending")
