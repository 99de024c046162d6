"""Repository-wide pytest configuration."""


def pytest_collection_modifyitems(config, items):
    # tf.test.TestCase.test_session (inherited by TFDS's DatasetBuilderTestCase) is a
    # deprecated context manager, not a test; TF reports it as skipped "Not a test".
    items[:] = [item for item in items if item.name != "test_session"]
