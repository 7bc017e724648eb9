from tests.cases.conftest import case, isolated_keys, refer, share_with  # noqa: F401
