"""The world: what the operator cannot control and does not know exactly (EMA's uncertainties).

Researchers sweep these; a comparison holds them fixed. Every field carries its unit,
meaning and source; `docs/model.md` is generated from them (`qunsim params --markdown`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import model_validator

from .params import Params, param

JR = "Joyce & Kraut, JCMC 2006"
BK = "Backstrom et al., KDD 2006"
VM = "van Mierlo, JMIR 2014; Nielsen 90-9-1"
CYD = "China Youth Daily WeChat survey 2020"


class Population(Params):
    """People who could join: traits drawn once per run, fixed for the run."""

    size: int = param(20_000, "people", "potential members reachable by channels and the social network", ge=10, le=20_000_000)
    interest_mean: float = param(0.35, "0-1", "mean interest in the community's topic (Beta distribution)", gt=0, lt=1)
    interest_concentration: float = param(3.0, "-", "Beta concentration of interest: higher = more alike", gt=0)
    sociability_median: float = param(0.006, "posts/day", "median posting propensity of an engaged member in a small active group", gt=0)
    sociability_sigma: float = param(3.0, "log-sd", "spread of posting propensity (lognormal); makes a few members write most messages", VM, ge=0, le=4)
    sociability_cap: float = param(20.0, "posts/day", "highest posting propensity anyone has (cuts the lognormal tail)", gt=0)
    attention_median: float = param(150.0, "messages/day", "median number of group messages a person can take a day before feeling overloaded", CYD, gt=0)
    attention_sigma: float = param(0.8, "log-sd", "spread of attention budgets (lognormal)", ge=0, le=3)
    patience_median: float = param(12.0, "days", "median days a dissatisfied member stays before leaving (mean hazard 1/patience)", gt=0)
    patience_sigma: float = param(0.6, "log-sd", "spread of patience (lognormal)", ge=0, le=3)
    expertise_mean: float = param(0.25, "0-1", "mean expertise on joining (Beta, concentration 4); grows with tenure", gt=0, lt=1)


class Network(Params):
    """The social network among people, along which content and invitations travel."""

    kind: Literal["clustered_scale_free", "small_world", "communities", "holme_kim", "edge_list"] = param(
        "clustered_scale_free", "-", "generator: clustered_scale_free (degree-corrected blocks, any size), small_world (Watts-Strogatz), communities (stochastic block model), holme_kim (networkx, small only), edge_list (file)"
    )
    mean_degree: float = param(12.0, "friends", "mean number of friends per person", "Dunbar layers 5/15/50 (Zhou et al. 2005)", gt=0, le=500)
    block_size: int = param(20, "people", "size of friend circles (clustered_scale_free); sets clustering", ge=2, le=10_000)
    mixing: float = param(0.3, "share", "share of ties that leave a circle or community", ge=0, le=1)
    degree_exponent: float = param(2.5, "-", "power-law exponent of degree propensity (clustered_scale_free)", gt=2, le=5)
    communities: int = param(10, "communities", "number of communities (communities kind)", ge=1)
    rewiring: float = param(0.1, "probability", "share of lattice ties rewired at random (small_world)", ge=0, le=1)
    path: Path | None = param(None, "-", "edge-list file: two person ids per line (edge_list kind); relative to the scenario file")

    @model_validator(mode="after")
    def _path_with_edge_list(self) -> "Network":
        if self.kind == "edge_list" and self.path is None:
            raise ValueError("kind edge_list needs `path:` — a file with two person ids per line")
        return self


class Groups(Params):
    """The community's chat groups at the start and their platform limits."""

    initial: int = param(1, "groups", "groups open on day 0", ge=1, le=1_000_000)
    initial_members: int = param(300, "members/group", "members placed in each initial group on day 0 (a launch), drawn by interest", ge=0)
    cap: int = param(500, "members", "platform cap on group size (WeChat: 500)", "WeChat platform limit", ge=2, le=200_000)
    overflow: Literal["new_group", "turn_away"] = param("new_group", "-", "when every open group is full: open a new group, or turn joiners away")
    norms: float = param(0.6, "0-1", "initial strength of a group's norms against ads and abuse", "seed 003/004", ge=0, le=1)
    alive_window: int = param(7, "days", "a group is alive if someone posted on at least one of its last N days", ge=1)


class Arrivals(Params):
    """People arriving from outside channels (posters, Q&A sites, partner communities)."""

    per_day: float = param(4.0, "people/day", "expected arrivals from outside channels a day", "seed 004 (channels)", ge=0)
    interest_bias: float = param(1.0, "-", "channel quality: arrivals are drawn with weight interest^bias (0 = anyone)", ge=0, le=10)


class Posting(Params):
    """How much a member posts: propensity x interest x ties x size x activity x tenure x mood."""

    interest_exponent: float = param(1.0, "-", "posting scales with interest^exponent", ge=0)
    novelty_boost: float = param(5.0, "x", "extra posting of a newcomer on day 0 (greetings, first questions); decays with tenure", "seed 000 (honeymoon)", ge=0)
    novelty_days: float = param(3.0, "days", "e-folding time of a newcomer's novelty", "seed 000", gt=0)
    tie_effect: float = param(1.0, "x", "extra posting with many friends inside the group (saturating)", "seed 000/002 (ties)", ge=0)
    tie_half: float = param(3.0, "friends", "friends inside at which half the tie effect is reached", gt=0)
    size_exponent: float = param(0.5, "-", "per-member posting falls as size^-exponent (bystander effect, less than proportional)", "Blair et al. 2005; seed 003", ge=0, le=1)
    size_ref: float = param(20.0, "members", "group size at which the size effect is 1; smaller groups are capped at 2x", "seed 003 ('under 20')", gt=0)
    reply_effect: float = param(4.0, "x", "extra posting in a group that talked yesterday (replies beget replies, saturating)", "seed 000", ge=0)
    activity_half: float = param(0.2, "messages/member/day", "yesterday's group activity at which ~63% of the reply effect is reached", gt=0)
    mood_weight: float = param(2.0, "-", "how strongly satisfaction scales posting: factor = clip(1 + weight*satisfaction, 0.05, 2)", ge=0)
    muted_factor: float = param(0.1, "x", "posting of a member who muted the group", "seed 004", ge=0, le=1)
    valuable_base: float = param(0.15, "share", "share of a novice's posts that are valuable to others", ge=0, le=1)
    valuable_expertise: float = param(0.5, "share", "added share of valuable posts at full expertise", ge=0, le=1)
    expertise_days: float = param(90.0, "days", "e-folding time for expertise to grow with tenure", gt=0)
    spam_rate: float = param(1.5, "ads/day", "ads a day posted by a member who turned to spam", "seed 004", ge=0)


class Reading(Params):
    """What a member gets from the day's messages, against their attention budget."""

    value_weight: float = param(1.0, "utility", "most utility a day from valuable messages (saturating)", ge=0)
    value_half: float = param(3.0, "messages", "valuable messages read x interest for ~63% of the value", gt=0)
    chat_weight: float = param(0.35, "utility", "most utility a day from chit-chat, scaled by friends inside", "seed 000 (offline ties)", ge=0)
    chat_half: float = param(10.0, "messages", "chit-chat messages read for ~63% of its utility", gt=0)
    spam_weight: float = param(0.04, "utility/ad", "disutility per ad read", "seed 004", ge=0)
    overload_weight: float = param(0.5, "utility", "disutility per unit of load above attention (load/attention - 1)", CYD, ge=0)
    muted_read_share: float = param(0.1, "share", "share of a muted group's messages still read", ge=0, le=1)
    reply_reward: float = param(0.35, "utility", "utility of getting a reply to one's own post", JR, ge=0)
    reply_half: float = param(4.0, "messages", "others' messages in the group for ~63% chance a post gets a reply", JR, gt=0)


class Satisfaction(Params):
    """Satisfaction with a group: a running average of daily net utility; drives mute, leave, spam."""

    initial: float = param(0.3, "utility", "satisfaction on joining (optimism of a newcomer)", ge=-2, le=2)
    aspiration: float = param(0.3, "utility/day", "daily utility a member expects; below it satisfaction falls", ge=0)
    learning_rate: float = param(0.15, "1/day", "weight of today in the running average", gt=0, le=1)
    leave_threshold: float = param(-0.1, "utility", "below this a member starts to consider leaving", ge=-2, le=2)
    softness: float = param(0.08, "utility", "width of the logistic thresholds (mute, leave, spam)", gt=0)
    mute_rate: float = param(0.15, "1/day", "daily chance to mute at double one's attention (scales with overload)", CYD, ge=0, le=1)
    silent_mute_rate: float = param(0.01, "1/day", "daily chance to mute a low-value group without overload", "seed 004", ge=0, le=1)
    spam_threshold: float = param(-0.15, "utility", "below this a member who stays may start posting ads", "seed 004", ge=-2, le=2)
    spam_turn_rate: float = param(0.004, "1/day", "daily chance to turn to ads, scaled by weak norms", "seed 004", ge=0, le=1)
    norm_erosion: float = param(0.5, "1/day", "how fast a group's norms erode with its spam share", "seed 003/004", ge=0)
    norm_recovery: float = param(0.02, "1/day", "how fast norms return to their initial level", ge=0, le=1)
    base_leave_rate: float = param(0.001, "1/day", "leaving for reasons outside the group", ge=0, le=1)


class Spreading(Params):
    """Forwarding valuable content outside and joining by invitation (complex contagion)."""

    forward_rate: float = param(0.005, "1/message", "chance per valuable message read (x interest) that a member forwards it", "seed 004 (fission)", ge=0, le=1)
    forward_reach: int = param(3, "friends", "friends outside the group who see a forward", ge=1, le=1000)
    join_max: float = param(0.1, "probability", "highest chance that an exposed friend joins", BK, ge=0, le=1)
    join_k_scale: float = param(2.0, "friends", "friends inside at which ~63% of join_max is reached (diminishing returns)", BK, gt=0)
    connect_bonus: float = param(0.5, "x", "extra joining when the friends inside know each other (their tie density)", BK, ge=0)


class Economy(Params):
    """Prices that turn operator hours into money."""

    currency: str = param("CNY", "-", "currency of all costs")
    hourly_wage: float = param(60.0, "currency/hour", "cost of one operator (admin) hour", ge=0)


class World(Params):
    population: Population = Population()
    network: Network = Network()
    groups: Groups = Groups()
    arrivals: Arrivals = Arrivals()
    posting: Posting = Posting()
    reading: Reading = Reading()
    satisfaction: Satisfaction = Satisfaction()
    spreading: Spreading = Spreading()
    economy: Economy = Economy()
