from __future__ import annotations

from unittest import mock

import pytest

from airflow_provider_textiopro.utils.contact_sync import ContactWrite
from airflow_provider_textiopro.utils.contact_writer import IN_FLIGHT_PER_WORKER, ContactWriter
from tests.support.contact_fakes import GROUP, FakeTextioPro, mobile


@pytest.mark.parametrize("max_workers", [1, 3])
def test_writes_in_flight_are_bounded_whatever_the_batch_size(max_workers):
    writes = [ContactWrite(action="create", phone=mobile(100 + i)) for i in range(300)]
    in_flight: list[int] = []
    with ContactWriter(FakeTextioPro().hook_class, GROUP, max_workers, mock.Mock()) as writer:
        submit = writer._pool.submit

        def counting_submit(*args, **kwargs):
            collected = writer.total + len(writer.errors)
            in_flight.append(len(in_flight) + 1 - collected)
            return submit(*args, **kwargs)

        with mock.patch.object(writer._pool, "submit", side_effect=counting_submit):
            writer.run(writes)

    assert writer.done == {"create": 300}
    assert max(in_flight) == IN_FLIGHT_PER_WORKER * max_workers
