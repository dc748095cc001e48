import pytest
import torch
from padl_shared.averaging import current, schedule


def rates_and_average(steps: int, average_from: float):
    """The rate before each step and the averaged weight, for a weight that reads k after step k."""
    network = torch.nn.Linear(1, 1, bias=False)
    optimiser = torch.optim.AdamW(network.parameters(), lr=1.0)
    scheduler, averaged = schedule(network, optimiser, steps, average_from, held_rate=0.25)
    rates = []
    for step in range(1, steps + 1):
        rates.append(optimiser.param_groups[0]["lr"])
        optimiser.step()
        scheduler.step()
        network.weight.data.fill_(step)
        if averaged is not None:
            averaged.update_parameters(network)
    return rates, averaged


def test_the_held_rate_follows_the_one_cycles_climb_and_holds_a_share_of_the_peak_over_the_tail():
    rates, averaged = rates_and_average(100, 0.75)
    assert rates[0] == pytest.approx(1 / 25) and max(rates) == pytest.approx(1.0) and rates.index(1.0) == 30
    assert rates[74] > 0.25 and set(rates[75:]) == {0.25}
    assert averaged.module.weight.item() == pytest.approx(sum(range(76, 101)) / 25)  # steps 76-100 only


def test_without_averaging_it_is_the_one_cycle_policy():
    rates, averaged = rates_and_average(100, 1.0)
    assert averaged is None and max(rates) == pytest.approx(1.0) and rates[-1] < 1e-3


def test_a_check_reads_the_network_until_the_average_holds_weights():
    network = torch.nn.Linear(1, 1)
    optimiser = torch.optim.AdamW(network.parameters(), lr=1.0)
    _, averaged = schedule(network, optimiser, 4, average_from=0.5, held_rate=0.25)
    assert current(network, None) is network and current(network, averaged) is network
    averaged.update_parameters(network), averaged.update_parameters(network), averaged.update_parameters(network)
    assert current(network, averaged) is averaged.module
