"""The codes the model's tables use: for "never", how a person came in, how a group was opened,
why a membership ended. Plain constants with no dependencies, so that what only names them
(the KPI definitions, the levers, the command line's help) need not load the engine."""

NEVER = -(10**6)  # "day" of something that never happened; far enough in the past

# how a person came in: the channel column of the invitations log, and memberships.parquet `how`
INITIAL, OUTSIDE, INVITED, MOVED, CREATED, IMPORTED = 0, 1, 2, 3, 4, 5
# created: a founder of a group members opened; imported: a member on day 0 of a fork (world.start), joined before
CHANNELS = ("launch", "outside", "invited", "moved", "created", "imported")

# how a group was opened (groups.parquet `how`); a lever's groups are named by its key
LAUNCH, OVERFLOW, BY_MEMBERS, BY_OPERATOR = "launch", "overflow", "created", "operator"

# why a membership ended (memberships.parquet `why_left`)
UNHAPPY, OVERLOADED, REMOVED, CLOSED, MERGED = 0, 1, 2, 3, 4
WHY_LEFT = ("unhappy", "overloaded", "removed", "group_closed", "moved")  # removed: by a lever or an admin; moved: already in the destination
