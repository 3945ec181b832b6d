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
PUB = "published"
CAL = "calibration/published.yaml"  # the committed fit of the default world to published figures (docs/model.md §9.1)


class Population(Params):
    """People who could join: traits drawn once per run, fixed for the run."""

    size: int = param(20_000, "people", "potential members reachable by channels and the social network", ge=10, le=20_000_000)
    interest_mean: float = param(0.35, "0-1", "mean interest in the community's topic (Beta distribution)", gt=0, lt=1)
    interest_concentration: float = param(3.0, "-", "Beta concentration of interest: higher = more alike", gt=0)
    sociability_median: float = param(0.0004, "posts/day", "median posting propensity of an engaged member in a small active group", f"{CAL}: fitted to {VM} (< 25% ever posted, top 1% 74.7%, next 9% 24.0%); posterior median 0.0004, 90% interval 0.00014-0.00074", "calibrated", gt=0)
    sociability_sigma: float = param(3.5, "log-sd", "spread of posting propensity (lognormal); makes a few members write most messages", f"{CAL}: fitted to {VM} (the same figures); posterior median 3.5, 90% interval 2.4-4.0 (the model's limit)", "calibrated", ge=0, le=4)
    sociability_cap: float = param(20.0, "posts/day", "highest posting propensity anyone has (cuts the lognormal tail)", gt=0)
    attention_median: float = param(150.0, "messages/day", "median number of group messages a person can take a day before feeling overloaded", f"motivation: {CYD} (the survey gives shares of respondents, no message count)", gt=0)
    attention_sigma: float = param(0.8, "log-sd", "spread of attention budgets (lognormal)", ge=0, le=3)
    patience_median: float = param(12.0, "days", "median days a dissatisfied member stays before leaving (mean hazard 1/patience)", gt=0)
    patience_sigma: float = param(0.6, "log-sd", "spread of patience (lognormal)", ge=0, le=3)
    expertise_mean: float = param(0.25, "0-1", "mean expertise on joining (Beta, concentration 4); grows with what a person reads (world.reading.learning)", gt=0, lt=1)
    outside_load_median: float = param(0.0, "messages/day", "median messages a day a person reads from groups outside the community (shares the attention budget; lognormal, sd attention_sigma)", f"motivation: {CYD} (58.9% are in 10-30 groups; no message count)", ge=0)


class Network(Params):
    """The social network among people, along which content and invitations travel."""

    kind: Literal["clustered_scale_free", "small_world", "communities", "holme_kim", "edge_list"] = param(
        "clustered_scale_free", "-", "generator: clustered_scale_free (degree-corrected blocks, any size), small_world (Watts-Strogatz), communities (stochastic block model), holme_kim (networkx, small only), edge_list (file)"
    )
    mean_degree: float = param(12.0, "friends", "mean number of friends per person", "motivation: Dunbar layers 5/15/50/150 (Zhou et al. 2005); 12 is not a layer", gt=0, le=500)
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
    """The community's chat groups: the launch, platform limits, and groups members create."""

    initial: int = param(1, "groups", "groups open on day 0", ge=1, le=1_000_000)
    initial_members: int = param(300, "members/group", "members placed in each initial group on day 0 (a launch)", ge=0)
    launch_from: Literal["interest", "friends"] = param("interest", "-", "who fills the launch groups: people drawn by interest (strangers, mostly), or circles of friends (a few people drawn by interest bring their friends, and theirs); in a fork (world.start), whether the imported people sit at random in a generated network (interest) or together in its circles (friends)")
    cap: int = param(500, "members", "platform cap on group size", "WeChat's limit of 500 members per group", PUB, ge=2, le=200_000)
    overflow: Literal["new_group", "turn_away"] = param("new_group", "-", "when every open group is full: open a new group, or turn joiners away")
    norms: float = param(0.6, "0-1", "initial strength of a group's norms against ads and abuse", "motivation: seed 003/004 (no number)", ge=0, le=1)
    alive_window: int = param(7, "days", "a group is alive if someone posted on at least one of its last N days", ge=1)
    creation_rate: float = param(0.0, "1/member/day", "daily chance that a content member opens a group of their own among friends in the community", ge=0, le=1)
    created_size: float = param(8.0, "friends", "mean number of friends a member invites into a group they open (geometric; at most the friends they have in the community)", "motivation: Dunbar layers 5/15 (Zhou et al. 2005)", ge=1)


class Channel(Params):
    """One way in from outside: a Q&A site, a partner community, a KOL's post, ads."""

    name: str = param(..., "-", "what the channel is called in records and reports", min_length=1)
    per_day: float = param(..., "people/day", "expected arrivals a day", ge=0)
    interest_bias: float = param(1.0, "-", "interest mix: arrivals are drawn with weight interest^bias (0 = anyone)", ge=0, le=10)
    cost_per_arrival: float = param(0.0, "currency", "what each arrival costs the operator (ads, partner fees)", ge=0)


class Arrivals(Params):
    """People arriving from outside channels (posters, Q&A sites, partner communities).

    `per_day` and `interest_bias` describe the default channel, `outside`; `channels` adds
    named ones, each with its own rate, interest mix and cost (seed 004).
    """

    per_day: float = param(4.0, "people/day", "expected arrivals a day from the default channel, `outside`", "motivation: seed 004 (channels)", ge=0)
    interest_bias: float = param(1.0, "-", "the default channel's quality: arrivals are drawn with weight interest^bias (0 = anyone)", ge=0, le=10)
    channels: list[Channel] = param([], "-", "more channels: `- {name, per_day, interest_bias, cost_per_arrival}`")

    def all(self) -> list[Channel]:
        """Every channel, the default `outside` first."""
        return [Channel(name="outside", per_day=self.per_day, interest_bias=self.interest_bias), *self.channels]


class Posting(Params):
    """How much a member posts: propensity x interest x ties x size x activity x novelty x mood."""

    interest_exponent: float = param(1.0, "-", "posting scales with interest^exponent", ge=0)
    tie_effect: float = param(1.0, "x", "extra posting with many friends inside the group (saturating)", "motivation: seed 000/002 (ties)", ge=0)
    tie_half: float = param(3.0, "friends", "friends inside at which half the tie effect is reached", gt=0)
    reply_effect: float = param(4.0, "x", "extra posting in a group that talked yesterday (replies beget replies, saturating)", "motivation: seed 000", ge=0)
    activity_half: float = param(0.2, "messages/member/day", "yesterday's group activity at which ~63% of the reply effect is reached", gt=0)
    mood_weight: float = param(2.0, "-", "how strongly satisfaction scales posting: factor = clip(1 + weight*satisfaction, 0.05, 2)", ge=0)
    muted_factor: float = param(0.1, "x", "posting of a member who muted the group", "motivation: seed 004", ge=0, le=1)
    valuable_base: float = param(0.15, "share", "share of a novice's posts that are valuable to others", ge=0, le=1)
    valuable_expertise: float = param(0.5, "share", "added share of valuable posts at full expertise", ge=0, le=1)
    spam_rate: float = param(1.5, "ads/day", "ads a day posted by a member who turned to spam", "motivation: seed 004", ge=0)


class Novelty(Params):
    """What a member has not yet heard in a group: new members and new content bring it, repetition uses it up.

    Each membership holds novelty n in [0, 1] (1 on joining). Reading R messages of talk or
    content today renews a share u = 1 - exp(-R / capacity) of it with the freshness of what
    was read: n <- (1 - u) n + u phi, where phi = (transfer x the authors' novelty, weighted
    by their messages, + content x operator posts) / all of them. Posting scales with
    (1 + effect x n). The honeymoon and its decay come out of this: a launch group of
    strangers is all news, talk among the same people wears it out, newcomers and expert
    content bring it back.
    """

    effect: float = param(5.0, "x", "extra posting of a member to whom everything in the group is new (n = 1)", "motivation: seed 000 (honeymoon; no number)", ge=0)
    capacity: float = param(30.0, "messages", "messages read that renew ~63% of a member's novelty with the freshness of what they read", ge=1e-6)
    transfer: float = param(0.7, "share", "share of an author's novelty that their message passes on (below 1: the same people repeat themselves)", ge=0, le=1)
    content: float = param(1.0, "0-1", "novelty of an operator's or expert's post (new content)", "motivation: seed 000/001 (PGC keeps groups alive)", ge=0, le=1)


class Familiarity(Params):
    """Whom a member knows in a group: friends, and acquaintances made by exchanging replies.

    Familiarity f is the share of the other members a member knows (friends inside plus
    acquaintances, at most everyone). Each reply a member gets or gives makes `per_reply`
    acquaintance; acquaintance fades at `forget` a day. Spontaneous talk rises with f:
    posting x (1 + effect x f), and chit-chat is worth more among people one knows. In a
    small group replies soon make everyone a semi-acquaintance; in a large one they
    cannot, so talk there needs content and rules (seed 003 ¶25) — no size is written in.
    """

    effect: float = param(3.0, "x", "extra posting of a member who knows everyone in the group (f = 1)", "motivation: seed 003 (semi-acquaintances talk by themselves; no number)", ge=0)
    per_reply: float = param(1.0, "acquaintances", "acquaintance made by one exchange of replies (a reply got or given)", ge=0)
    forget: float = param(0.02, "1/day", "share of acquaintance that fades each day without exchanges", ge=0, le=1)


class Reading(Params):
    """What a member gets from the day's messages, against their attention budget."""

    value_weight: float = param(1.0, "utility", "most utility a day from valuable messages (saturating)", ge=0)
    value_half: float = param(3.0, "messages", "valuable messages read x interest for ~63% of the value", gt=0)
    level_mismatch: float = param(0.5, "-", "value lost per unit of expertise between a reader and the group's valuable posters (basics bore experts, experts lose novices)", "motivation: seed 003/004 (veterans silenced by basics; no number)", ge=0, le=1)
    chat_weight: float = param(0.35, "utility", "most utility a day from chit-chat, scaled by familiarity (0.3 + 0.7 f)", "motivation: seed 000 (offline ties)", ge=0)
    chat_half: float = param(10.0, "messages", "chit-chat messages read for ~63% of its utility", gt=0)
    spam_weight: float = param(0.04, "utility/ad", "disutility per ad read", "motivation: seed 004", ge=0)
    overload_weight: float = param(0.5, "utility", "disutility per unit of load above attention (load/attention - 1)", f"motivation: {CYD} (no number)", ge=0)
    muted_read_share: float = param(0.1, "share", "share of a muted group's messages still read", ge=0, le=1)
    learning: float = param(0.0004, "1/message", "share of what is left to learn that one valuable message read teaches (expertise grows by reading, not by the calendar)", ge=0)
    reply_reward: float = param(0.35, "utility", "utility of getting a reply to one's own post", f"motivation: {JR} (the paper reports 44% -> 56% posting again; tests/test_domain_figures.py checks it)", ge=0)
    replies_per_message: float = param(0.9, "replies", "replies a post draws per message of others' in the group that day (spread over the day's posts): chance of a reply = 1 - exp(-this x others' share of the day's talk)", "motivation: Burke et al. 2007 (about 40% of thread starters got no reply; tests/test_domain_figures.py checks it)", ge=0)


class Satisfaction(Params):
    """Satisfaction with a group: daily utility against expectations that adapt; drives mute, leave, spam.

    Each membership holds an expectation e (on joining: `aspiration`). Satisfaction s moves
    toward today's utility minus e; e moves toward `aspiration` plus a share `habituation`
    of the rewards levers have been giving the member (money, recognition, events). So the
    same red packet or badge buys less each time (e has risen), and stopping it leaves
    members below their new expectations until e comes down again.
    """

    initial: float = param(0.3, "utility", "satisfaction on joining (optimism of a newcomer)", ge=-2, le=2)
    aspiration: float = param(0.3, "utility/day", "the least daily utility a member expects (their outside option); expectations start here", ge=0)
    adaptation: float = param(0.05, "1/day", "how fast expectations move toward the rewards a member has been getting (hedonic adaptation)", "motivation: seed 000/004 (rewards raise expectations; no number)", ge=0, le=1)
    habituation: float = param(0.8, "share", "share of a regular reward that members come to expect (1 = it stops pleasing altogether)", "motivation: seed 000/004 ('a group that needs red packets to wake is already dead'; no number)", ge=0, le=1)
    learning_rate: float = param(0.15, "1/day", "weight of today in the running average", gt=0, le=1)
    leave_threshold: float = param(-0.1, "utility", "below this a member starts to consider leaving", ge=-2, le=2)
    softness: float = param(0.08, "utility", "width of the logistic thresholds (mute, leave, spam, follow)", gt=0)
    mute_rate: float = param(0.15, "1/day", "daily chance to mute at double one's attention (scales with overload)", f"motivation: {CYD} (74.6% mute is a lifetime share, not a daily rate)", ge=0, le=1)
    silent_mute_rate: float = param(0.01, "1/day", "daily chance to mute a low-value group without overload", "motivation: seed 004", ge=0, le=1)
    unmute_rate: float = param(0.02, "1/day", "daily chance that a muted member unmutes a group that pleases them again (x logistic of satisfaction above leave_threshold), when not overloaded", ge=0, le=1)
    spam_threshold: float = param(-0.15, "utility", "below this a member who stays may start posting ads", "motivation: seed 004", ge=-2, le=2)
    spam_turn_rate: float = param(0.004, "1/day", "daily chance to turn to ads, scaled by weak norms", "motivation: seed 004", ge=0, le=1)
    spammer_exit: float = param(0.2, "1/day", "daily chance an ad poster leaves a group nobody reads (x exp(-readers): members who neither muted it nor post ads)", "motivation: seeds 001/004 (ad groups dissolve)", ge=0, le=1)
    reform_rate: float = param(0.05, "1/day", "daily chance an ad poster stops posting ads in a group where rules are seen to be enforced", ge=0, le=1)
    deterrence: float = param(0.5, "share", "share of would-be ad posters deterred in a group where rules are seen to be enforced", "motivation: seed 001/003/004 (rules and admins)", ge=0, le=1)
    norm_erosion: float = param(0.5, "1/day", "how fast a group's norms erode with its spam share", "motivation: seed 003/004", ge=0)
    norm_recovery: float = param(0.02, "1/day", "how fast norms return to their initial level", ge=0, le=1)
    base_leave_rate: float = param(0.001, "1/day", "leaving for reasons outside the group", ge=0, le=1)
    follow_threshold: float = param(-0.1, "utility", "a member asked to move to another group (a split, a tier, a fresh group) follows if satisfaction plus the pull of friends who move too clears this", ge=-2, le=2)
    follow_tie_pull: float = param(0.3, "utility", "pull of friends in the destination group on a member asked to move (saturating in friends, tie_half)", "motivation: seed 000/002 (ties)", ge=0)


class Response(Params):
    """How strongly members respond to what levers give them (money, recognition, rituals, offers).

    A lever changes what members have or see; the size of their response lives here, so it
    can be swept and calibrated like any other uncertainty.
    """

    money_utility: float = param(0.02, "utility/currency", "utility of one currency unit received (a red packet, points)", ge=0)
    thanks_per_grab: float = param(1.0, "messages", "ritual messages (thanks, stickers) a member posts after grabbing a red packet", "motivation: Yuan et al. 2017 (packets raise participation; no number)", ge=0)
    reciprocity: float = param(0.18, "share", "money sent back to the group within 24 h per unit received", "Yuan et al. 2019, arXiv 1906.09698, abstract: 0.18 per unit received (a marginal causal estimate, used here as a mean pass-through)", PUB, ge=0, le=1)
    min_return_packet: float = param(1.0, "currency", "smallest packet members bother to send back", gt=0)
    recognition_utility: float = param(0.3, "utility", "utility of being recognised once: a personal welcome, a quote in a digest, a badge", "motivation: seed 000/001 (respect, belonging)", ge=0)
    introduction_rate: float = param(0.5, "messages", "expected self-introduction messages of a greeted newcomer (ritual)", "motivation: seed 001 (joining ritual)", ge=0)
    checkin_rate: float = param(0.02, "probability/day", "daily chance that a keen, content member checks in when check-ins are offered (x min(1, 2 interest) x mood)", "motivation: seed 002/004 (no number)", ge=0, le=1)
    checkin_streak: float = param(0.7, "probability", "chance of checking in again the day after a check-in (a habit), x mood", ge=0, le=1)
    event_ties: float = param(3.0, "friends", "new friends an attendee makes among the other attendees of an offline event", "motivation: seed 000/002 (offline ties)", ge=0)
    event_utility: float = param(0.3, "utility", "utility of attending an offline event, on the day", ge=0)
    earned_seat_utility: float = param(0.5, "utility", "utility of winning a seat through an entry gate, once (a hard-won seat is valued more)", "motivation: seed 004 (no number)", ge=0)
    purchase_engaged: float = param(0.03, "1/day", "daily chance that a member who posted in the last 7 days buys when offered (funnel conversion)", ge=0, le=1)
    purchase_passive: float = param(0.003, "1/day", "the same for a member who has not posted lately", ge=0, le=1)
    advocacy: float = param(0.02, "1/day", "daily chance that an engaged buyer becomes an advocate when asked", ge=0, le=1)
    poster_forwarding: float = param(3.0, "x", "how many times as often a member forwards content when given posters and materials to share", "motivation: seed 004 (fission)", ge=1)


class Spreading(Params):
    """Forwarding valuable content outside and joining by invitation (complex contagion)."""

    forward_rate: float = param(0.005, "1/message", "chance per valuable message read (x interest) that a member forwards it", "motivation: seed 004 (fission)", ge=0, le=1)
    forward_reach: int = param(3, "friends", "friends outside the group who see a forward", ge=1, le=1000)
    join_max: float = param(0.1, "probability", "highest chance that an exposed friend joins", ge=0, le=1)
    join_k_scale: float = param(2.0, "friends", "friends in the community at which ~63% of join_max is reached (diminishing returns)", f"motivation: {BK} (shape only: rises with diminishing returns)", gt=0)
    connect_bonus: float = param(0.5, "x", "extra joining when the friends in the community know each other (their tie density)", f"motivation: {BK} (direction only)", ge=0)
    reward_forwarding: float = param(0.4, "x/currency", "extra forwarding per currency unit a member is paid for each friend who joins (1 + this x reward)", "motivation: seed 004 (裂变 rewards; no number)", ge=0)
    homophily: float = param(0.0, "-", "how much likelier an invitation is taken up from someone of the same interest: x (1 + homophily x (1 - 2 |interest gap|)); 0 (off) until calibrated: at 0.5 the default world misses van Mierlo's next-9% share", "motivation: seed 003/004 (leaders draw members like themselves; no number)", ge=0, le=1)
    gift_fit: float = param(0.1, "fit/currency", "added to an invited friend's fit per currency unit of a joining gift, whatever their interest", ge=0)


class Economy(Params):
    """Prices that turn operator hours into money, and what every group costs to run."""

    currency: str = param("CNY", "-", "currency of all costs")
    hourly_wage: float = param(60.0, "currency/hour", "cost of one operator (admin) hour", ge=0)
    operator_hours: float | None = param(None, "hours/day", "the operator team's hours a day; work beyond them is left undone (groups' upkeep first, then levers in the order listed); none = unlimited", "motivation: seed 004 (a 70,000-person launch chat lost control)", gt=0)
    upkeep_hours: float = param(0.25, "hours/group/day", "operator hours a day to run any live group, whoever opened it (launch, overflow, cap, split)", ge=0)
    setup_hours: float = param(1.0, "hours", "operator hours to open and set up a group after day 0, whoever opened it", ge=0)


class World(Params):
    start: Path | None = param(None, "-", "a `qunsim import` directory to fork from: day 0 is its last day, with its open groups, their current members, each member's tenure and a posting propensity estimated from their history (docs/data.md); relative to the scenario file; none: a launch (world.groups)")
    population: Population = Population()
    network: Network = Network()
    groups: Groups = Groups()
    arrivals: Arrivals = Arrivals()
    posting: Posting = Posting()
    familiarity: Familiarity = Familiarity()
    novelty: Novelty = Novelty()
    reading: Reading = Reading()
    satisfaction: Satisfaction = Satisfaction()
    spreading: Spreading = Spreading()
    response: Response = Response()
    economy: Economy = Economy()
