from ..livelihoods.conftest import catalogue  # noqa: F401  (the livelihood options, for the work a referral carries)
