#include "Rewind.h"

#include "GroupStatus.h"
#include "Permissions.h"
#include "StreamInfo.h"
#include "StreamNodeError.h"
#include "StreamPaging.h"
#include "Wording.h"

#include <QJsonArray>
#include <QLocale>

namespace streamscope {

namespace {

// The check and the SETID in one step: a script runs alone on its node, so nothing can move the
// group or remove entries between them. KEYS[1] the stream; ARGV: group, the previewed
// last-delivered-id, the new ID ($: the end now), ENTRIESREAD ("" none, "$" entries-added now),
// the previewed entries-added and length ("" before 7.0: the stream check is skipped).
// Returns {1, entries-added now or -1} when applied, {0, what moved, its value} when refused,
// {-1} when the group is gone.
const char setIdScript[] = R"lua(
local function field(flat, key)
  for i = 1, #flat, 2 do
    if flat[i] == key then return flat[i + 1] end
  end
  return nil
end
local last = nil
local readBefore = -1
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  if field(g, 'name') == ARGV[1] then
    last = field(g, 'last-delivered-id')
    local r = field(g, 'entries-read')
    if type(r) == 'number' then readBefore = r end
  end
end
if not last then return {-1} end
-- Stream IDs compared exactly: decimal parts without leading zeros, by length then by text.
local function num(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end
local function idcmp(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if not am or not bm then return nil end
  local c = num(am, bm)
  if c ~= 0 then return c end
  return num(as, bs)
end
if last ~= ARGV[2] then
  -- ARGV[7]: the group's consumers may read on since the preview ('rewind', 'skip', 'end'): go
  -- ahead while it only moved forward and the rewind stays a rewind (a skip a skip).
  local forward = idcmp(last, ARGV[2])
  local ok = ARGV[7] ~= '' and forward ~= nil and forward > 0
  if ok and ARGV[7] == 'skip' then ok = idcmp(last, ARGV[3]) < 0 end
  if not ok then return {0, 'group', last} end
end
local added = -1
if ARGV[5] ~= '' then
  local s = redis.call('XINFO', 'STREAM', KEYS[1])
  added = field(s, 'entries-added')
  local len = field(s, 'length')
  if (len - tonumber(ARGV[6])) ~= (added - tonumber(ARGV[5])) then
    return {0, 'stream', tostring(len)}
  end
end
if ARGV[4] == '$' then
  redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], ARGV[3], 'ENTRIESREAD', added)
elseif ARGV[4] ~= '' then
  redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], ARGV[3], 'ENTRIESREAD', ARGV[4])
else
  redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], ARGV[3])
end
return {1, added, last, readBefore}
)lua";

// "1700000000000-0 (2026-11-26 14:05:00.000)"
QString idWithTime(const StreamId &id) {
    if (!id.hasTimestamp() || id.isZero())
        return id.toString();
    return QStringLiteral("%1 (%2)").arg(id.toString(),
                                         id.timeText(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
}

struct Counted {
    qint64 count = 0;
    bool exact = true;
};

// Entries with IDs in (after, upTo] (upTo empty: to the end), by XRANGE pages, at most bound.
Result<Counted> countRange(RedisClient &c, const QByteArray &stream, const StreamId &after,
                           const std::optional<StreamId> &upTo, const RewindOptions &o) {
    Counted out;
    if (after.isMax() || (upTo && *upTo <= after))
        return out;
    StreamId from = after.successor();
    const QByteArray end = upTo ? upTo->toByteArray() : QByteArray("+");
    for (;;) {
        const qint64 want = qMin<qint64>(o.pageSize, o.countBound - out.count + 1);
        auto reply = c.command(
            {"XRANGE", stream, from.toByteArray(), end, "COUNT", QByteArray::number(want)});
        if (!reply.ok())
            return onStreamNode(c, stream, reply.error());
        if (reply->isError())
            return Error(Error::Kind::Server,
                         QStringLiteral("XRANGE %1: %2")
                             .arg(QString::fromUtf8(stream), reply->errorMessage()));
        const qint64 n = qint64(reply->size());
        out.count += n;
        if (out.count > o.countBound) {
            out.count = o.countBound;
            out.exact = false;
            return out;
        }
        if (n < want || n == 0)
            return out;
        const StreamId last = StreamId::fromServer(reply->at(size_t(n - 1)).at(0).bytes());
        if (last.isMax() || (upTo && last >= *upTo))
            return out;
        from = last.successor();
    }
}

// The first entry at or after from, or the last at or before upTo (reverse).
Result<std::optional<StreamId>> oneEntry(RedisClient &c, const QByteArray &stream,
                                         const StreamId &id, bool reverse) {
    auto reply = reverse ? c.command({"XREVRANGE", stream, id.toByteArray(), "-", "COUNT", "1"})
                         : c.command({"XRANGE", stream, id.toByteArray(), "+", "COUNT", "1"});
    if (!reply.ok())
        return onStreamNode(c, stream, reply.error());
    if (reply->isError())
        return Error(Error::Kind::Server,
                     QStringLiteral("%1 %2: %3")
                         .arg(reverse ? QStringLiteral("XREVRANGE") : QStringLiteral("XRANGE"),
                              QString::fromUtf8(stream), reply->errorMessage()));
    if (reply->size() == 0)
        return std::optional<StreamId>();
    return std::optional<StreamId>(StreamId::fromServer(reply->at(0).at(0).bytes()));
}

QJsonValue optionalJson(const std::optional<qint64> &v) {
    return v ? QJsonValue(double(*v)) : QJsonValue(QJsonValue::Null);
}

QString directionName(RewindPlan::Direction d) {
    switch (d) {
    case RewindPlan::Direction::Rewind:
        return QStringLiteral("rewind");
    case RewindPlan::Direction::Skip:
        return QStringLiteral("skip");
    case RewindPlan::Direction::Unchanged:
        break;
    }
    return QStringLiteral("unchanged");
}

QString kindName(RewindTarget::Kind k) {
    switch (k) {
    case RewindTarget::Kind::Start:
        return QStringLiteral("start");
    case RewindTarget::Kind::End:
        return QStringLiteral("end");
    case RewindTarget::Kind::Entry:
        break;
    }
    return QStringLiteral("entry");
}

} // namespace

RewindTarget RewindTarget::start() {
    RewindTarget t;
    t.kind = Kind::Start;
    t.label = QStringLiteral("the start");
    return t;
}

RewindTarget RewindTarget::end() {
    RewindTarget t;
    t.kind = Kind::End;
    t.label = QStringLiteral("the end");
    return t;
}

RewindTarget RewindTarget::entry(const StreamId &id) {
    RewindTarget t;
    t.kind = Kind::Entry;
    t.from = id;
    t.label = id.toString();
    return t;
}

RewindTarget RewindTarget::time(const QDateTime &moment) {
    RewindTarget t;
    t.kind = Kind::Entry;
    t.isTime = true;
    const qint64 ms = qMax<qint64>(0, moment.toMSecsSinceEpoch());
    t.from = StreamId{quint64(ms), 0};
    const QDateTime local = moment.toLocalTime();
    t.label = local.date() == QDate::currentDate()
                  ? local.toString(QStringLiteral("HH:mm:ss"))
                  : local.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    if (local.time().msec() != 0)
        t.label += local.toString(QStringLiteral(".zzz"));
    return t;
}

Result<RewindTarget> RewindTarget::parse(const QString &text, const QDate &today) {
    const QString t = text.trimmed();
    if (t.isEmpty())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("--to needs a target: start, end, an entry ID "
                                    "(1700000000000-0) or a time (14:05, 2026-11-25 14:05:30)"));
    if (t.compare(QLatin1String("start"), Qt::CaseInsensitive) == 0 || t == QLatin1String("0")
        || t == QLatin1String("-"))
        return start();
    if (t.compare(QLatin1String("end"), Qt::CaseInsensitive) == 0 || t == QLatin1String("$")
        || t == QLatin1String("+"))
        return end();
    auto span = parseIdOrTimeSpan(t, today);
    if (!span.ok())
        return Error(
            Error::Kind::InvalidArgument,
            QStringLiteral("--to \"%1\": %2 (or use start or end)").arg(t, span.error().message));
    RewindTarget r = entry(span->first);
    r.isTime = !StreamId::isValid(t.toUtf8());
    r.label = t;
    return r;
}

QString RewindPlan::summary() const {
    const QString name = QString::fromUtf8(group);
    const QString again =
        countExact ? countOf(count, "entry", "entries")
                   : QStringLiteral("at least %1").arg(countOf(count, "entry", "entries"));
    switch (direction) {
    case Direction::Rewind:
        return QStringLiteral("Rewind %1 to %2 (%3 again)").arg(name, target.label, again);
    case Direction::Skip:
        return QStringLiteral("Skip %1 to %2 (%3 skipped)").arg(name, target.label, again);
    case Direction::Unchanged:
        break;
    }
    return QStringLiteral("Set %1 to %2 (no entries again or skipped)").arg(name, target.label);
}

QString RewindPlan::commandText() const {
    QString c = QStringLiteral("XGROUP SETID %1 %2 %3")
                    .arg(QString::fromUtf8(stream), QString::fromUtf8(group),
                         target.kind == RewindTarget::Kind::End ? QStringLiteral("$")
                                                                : newLastDeliveredId.toString());
    if (newEntriesRead)
        c += QStringLiteral(" ENTRIESREAD %1")
                 .arg(target.kind == RewindTarget::Kind::End
                          ? QStringLiteral("%1 (entries-added when applied)").arg(*newEntriesRead)
                          : QString::number(*newEntriesRead));
    return c;
}

QString RewindPlan::describe() const {
    QStringList l;
    const QString name = QString::fromUtf8(group);
    QString now = QStringLiteral("Now: group %1 of %2 has delivered up to %3")
                      .arg(name, QString::fromUtf8(stream), idWithTime(lastDeliveredId));
    now += QStringLiteral("; entries-read %1, lag %2; %3, %4.")
               .arg(entriesRead ? formatCount(*entriesRead) : QStringLiteral("unknown"),
                    lag ? formatCount(*lag) : QStringLiteral("unknown"),
                    countOf(pending, "pending entry", "pending entries"),
                    countOf(consumers, "consumer", "consumers"));
    l << now;
    l << QStringLiteral("After: last-delivered-id %1%2 (%3).")
             .arg(target.kind == RewindTarget::Kind::End ? QStringLiteral("$ = ") : QString(),
                  idWithTime(newLastDeliveredId), commandText());
    const QString n = countExact ? countOf(count, "entry", "entries")
                                 : QStringLiteral("at least %1 (counting stopped there)")
                                       .arg(countOf(count, "entry", "entries"));
    const QString next =
        firstNext ? QStringLiteral("the next entry it receives is %1").arg(idWithTime(*firstNext))
                  : QStringLiteral("it receives only entries added from now on");
    switch (direction) {
    case Direction::Rewind:
        l << QStringLiteral("It will receive %1 again: %2.").arg(n, next);
        break;
    case Direction::Skip:
        l << QStringLiteral("It will skip %1, never delivered to it: %2.").arg(n, next);
        if (target.kind == RewindTarget::Kind::End)
            l.last() += QStringLiteral(" Entries added before it is applied are skipped too.");
        break;
    case Direction::Unchanged:
        l << QStringLiteral("Its position does not change: %1.").arg(next);
        break;
    }
    QString p = QStringLiteral("Pending: SETID does not touch the pending list: its %1 stay "
                               "pending with their consumers.")
                    .arg(countOf(pending, "pending entry", "pending entries"));
    if (pendingInRange > 0) {
        QStringList who;
        for (auto it = pendingInRangeByConsumer.cbegin(); it != pendingInRangeByConsumer.cend();
             ++it)
            who << QStringLiteral("%1: %2").arg(QString::fromUtf8(it.key()), formatCount(*it));
        const QString many = (pendingInRangeExact ? QString() : QStringLiteral("at least "))
                             + formatCount(pendingInRange);
        const QString verb = pendingInRange == 1 ? QStringLiteral("is") : QStringLiteral("are");
        if (direction == Direction::Rewind)
            p += QStringLiteral(" Of the entries it receives again, %1 %2 pending now (%3): when "
                                "read again each is delivered as a new delivery to the consumer "
                                "that reads it, its delivery count back to 1 (its old pending "
                                "entry is taken over, not duplicated).")
                     .arg(many, verb, who.join(QStringLiteral(", ")));
        else
            p += QStringLiteral(" Of the entries it skips, %1 %2 pending (%3): they stay pending "
                                "until acknowledged or claimed.")
                     .arg(many, verb, who.join(QStringLiteral(", ")));
    }
    if (pendingGoneInRange > 0)
        p +=
            QStringLiteral(" %1 in the range %2 no longer in the stream (trimmed or deleted): "
                           "%3 never delivered again and %4 pending until acknowledged "
                           "(XAUTOCLAIM also clears them).")
                .arg(countOf(pendingGoneInRange, "pending entry", "pending entries"),
                     pendingGoneInRange == 1 ? QStringLiteral("is") : QStringLiteral("are"),
                     pendingGoneInRange == 1 ? QStringLiteral("it is") : QStringLiteral("they are"),
                     pendingGoneInRange == 1 ? QStringLiteral("stays") : QStringLiteral("stay"));
    l << p;
    if (newEntriesRead && entriesAfter)
        l << QStringLiteral("Lag: %1 right after (ENTRIESREAD %2 keeps it known).")
                 .arg(formatCount(*entriesAfter), formatCount(*newEntriesRead));
    else if (newEntriesRead)
        l << QStringLiteral("Lag: kept known (ENTRIESREAD %1).").arg(formatCount(*newEntriesRead));
    else
        l << QStringLiteral("Lag: %1").arg(entriesReadNote);
    if (!forbidden.isEmpty())
        l << QStringLiteral("Not allowed: %1.").arg(forbidden);
    return l.join(QLatin1Char('\n'));
}

QJsonObject RewindPlan::toJson() const {
    QJsonObject byConsumer;
    for (auto it = pendingInRangeByConsumer.cbegin(); it != pendingInRangeByConsumer.cend(); ++it)
        byConsumer.insert(QString::fromUtf8(it.key()), double(*it));
    auto id = [](const std::optional<StreamId> &i) {
        return i ? QJsonValue(i->toString()) : QJsonValue(QJsonValue::Null);
    };
    return QJsonObject{
        {QStringLiteral("stream"), QString::fromUtf8(stream)},
        {QStringLiteral("group"), QString::fromUtf8(group)},
        {QStringLiteral("target"), QJsonObject{{QStringLiteral("kind"), kindName(target.kind)},
                                               {QStringLiteral("label"), target.label},
                                               {QStringLiteral("from"), target.from.toString()}}},
        {QStringLiteral("direction"), directionName(direction)},
        {QStringLiteral("count"), double(count)},
        {QStringLiteral("count_exact"), countExact},
        {QStringLiteral("first_next_id"), id(firstNext)},
        {QStringLiteral("last_delivered_id"), lastDeliveredId.toString()},
        {QStringLiteral("entries_read"), optionalJson(entriesRead)},
        {QStringLiteral("lag"), optionalJson(lag)},
        {QStringLiteral("pending"), double(pending)},
        {QStringLiteral("new_last_delivered_id"), newLastDeliveredId.toString()},
        {QStringLiteral("new_entries_read"), optionalJson(newEntriesRead)},
        {QStringLiteral("lag_after"), optionalJson(newEntriesRead ? entriesAfter : std::nullopt)},
        {QStringLiteral("lag_note"), entriesReadNote},
        {QStringLiteral("pending_in_range"), double(pendingInRange)},
        {QStringLiteral("pending_in_range_exact"), pendingInRangeExact},
        {QStringLiteral("pending_in_range_by_consumer"), byConsumer},
        {QStringLiteral("pending_gone_in_range"), double(pendingGoneInRange)},
        {QStringLiteral("stream_length"), double(length)},
        {QStringLiteral("entries_added"), optionalJson(entriesAdded)},
        {QStringLiteral("command"), commandText()},
        {QStringLiteral("summary"), summary()},
        {QStringLiteral("forbidden"), forbidden},
    };
}

QJsonObject RewindOutcome::toJson() const {
    QJsonObject o{{QStringLiteral("applied"), kind == Kind::Applied},
                  {QStringLiteral("message"), message}};
    if (kind == Kind::Applied) {
        o.insert(QStringLiteral("last_delivered_id"), lastDeliveredIdAfter.toString());
        o.insert(QStringLiteral("entries_read"), optionalJson(entriesReadAfter));
        o.insert(QStringLiteral("lag"), optionalJson(lagAfter));
        o.insert(QStringLiteral("added_since_preview"), double(addedSincePreview));
    } else {
        o.insert(QStringLiteral("current"), current.toJson());
    }
    return o;
}

Result<RewindPlan> planRewind(RedisClient &c, const QByteArray &stream, const QByteArray &group,
                              const RewindTarget &target, const RewindOptions &o) {
    RewindPlan p;
    p.stream = stream;
    p.group = group;
    p.target = target;
    const QString s = QString::fromUtf8(stream);
    const QString g = QString::fromUtf8(group);
    // Both for one key: one node, one round trip.
    auto replies = c.pipeline({{"XINFO", "STREAM", stream}, {"XINFO", "GROUPS", stream}});
    if (!replies.ok())
        return onStreamNode(c, stream, replies.error());
    const RedisReply &infoReply = replies->at(0);
    if (infoReply.isError()) {
        if (infoReply.errorCode() == "WRONGTYPE")
            return Error(Error::Kind::Server,
                         QStringLiteral("%1 is not a stream: the key holds another type of value "
                                        "(XINFO STREAM: %2); only a stream's groups can be "
                                        "rewound")
                             .arg(s, infoReply.errorMessage()));
        if (isNoSuchStream(infoReply))
            return Error(Error::Kind::Server,
                         QStringLiteral("there is no stream %1 (XINFO STREAM: %2)")
                             .arg(s, infoReply.errorMessage()));
        return Error(Error::Kind::Server,
                     QStringLiteral("XINFO STREAM %1: %2").arg(s, infoReply.errorMessage()));
    }
    const auto info = StreamInfo::fromReply(stream, infoReply);
    if (!info)
        return Error(Error::Kind::Protocol,
                     QStringLiteral("XINFO STREAM %1: an unexpected reply").arg(s));
    const RedisReply &groupsReply = replies->at(1);
    if (groupsReply.isError())
        return Error(Error::Kind::Server,
                     QStringLiteral("XINFO GROUPS %1: %2").arg(s, groupsReply.errorMessage()));
    QStringList names;
    const RedisReply *found = nullptr;
    for (const RedisReply &flat : groupsReply.elements()) {
        const RedisReply *n = flat.field("name");
        if (!n)
            continue;
        names << QString::fromUtf8(n->bytes());
        if (n->bytes() == group)
            found = &flat;
    }
    if (!found)
        return Error(
            Error::Kind::Server,
            QStringLiteral("stream %1 has no group %2 (its groups: %3)")
                .arg(s, g,
                     names.isEmpty() ? QStringLiteral("none") : names.join(QStringLiteral(", "))));
    p.node = c.topology() == RedisClient::Topology::Cluster
                 ? primaryOf(c.nodes(), streamSlot(c, stream))
                 : c.settings().endpoint();
    if (const RedisReply *id = found->field("last-delivered-id"))
        p.lastDeliveredId = StreamId::fromServer(id->bytes());
    p.entriesRead = found->integerField("entries-read");
    p.lag = found->integerField("lag");
    p.pending = found->integerField("pending").value_or(0);
    p.consumers = found->integerField("consumers").value_or(0);
    p.length = info->length;
    p.lastGeneratedId = info->lastGeneratedId;
    p.firstEntryId = info->firstEntryId;
    p.lastEntryId = info->lastEntryId;
    p.maxDeletedEntryId = info->maxDeletedEntryId;
    p.entriesAdded = info->entriesAdded;
    if (p.length == 0) {
        p.firstEntryId.reset(); // some versions say 0-0 or nil; nothing is there either way
        p.lastEntryId.reset();
    }

    // Where the group goes.
    switch (target.kind) {
    case RewindTarget::Kind::Start:
        p.newLastDeliveredId = StreamId();
        p.firstNext = p.firstEntryId;
        break;
    case RewindTarget::Kind::End:
        p.newLastDeliveredId = p.lastGeneratedId;
        break;
    case RewindTarget::Kind::Entry: {
        if (target.from > p.lastGeneratedId)
            return Error(
                Error::Kind::InvalidArgument,
                QStringLiteral("%1 is after the last entry ever added to %2 (%3): nothing is "
                               "there yet. Use end to make the group receive only new entries.")
                    .arg(target.isTime ? target.label
                                       : QStringLiteral("entry %1").arg(target.from.toString()),
                         s, idWithTime(p.lastGeneratedId)));
        auto next = oneEntry(c, stream, target.from, false);
        if (!next.ok())
            return next.error();
        p.firstNext = next.value();
        if (!p.firstNext) {
            // Nothing at or after it now (deleted): the group is at the end, as with end.
            p.newLastDeliveredId = p.lastGeneratedId;
        } else if (target.from.isZero()) {
            p.newLastDeliveredId = StreamId();
        } else {
            // The last entry before it (an ID the stream holds), or 0-0 when there is none.
            auto before = oneEntry(c, stream, target.from.predecessor(), true);
            if (!before.ok())
                return before.error();
            p.newLastDeliveredId = before.value().value_or(StreamId());
        }
        break;
    }
    }

    const StreamId &oldId = p.lastDeliveredId;
    const StreamId &newId = p.newLastDeliveredId;
    p.direction = newId < oldId   ? RewindPlan::Direction::Rewind
                  : oldId < newId ? RewindPlan::Direction::Skip
                                  : RewindPlan::Direction::Unchanged;
    // The server's lag is the number of entries after the group's position when it is given.
    const std::optional<qint64> lagNow = p.lag;
    // Entries after the new position, without a scan where the counters allow it.
    const bool newBeforeAll = !p.firstEntryId || newId < *p.firstEntryId;
    const bool newAfterAll = !p.lastEntryId || newId >= *p.lastEntryId;
    if (newAfterAll)
        p.entriesAfter = 0;
    else if (newBeforeAll)
        p.entriesAfter = p.length;

    const StreamId lo = qMin(oldId, newId);
    const StreamId hi = qMax(oldId, newId);
    if (p.direction != RewindPlan::Direction::Unchanged) {
        const bool loBeforeAll = !p.firstEntryId || lo < *p.firstEntryId;
        const bool hiAfterAll = !p.lastEntryId || hi >= *p.lastEntryId;
        if (loBeforeAll && hiAfterAll) {
            p.count = p.length;
        } else if (p.entriesAfter && lagNow) {
            // From the counters: the entries between are the difference of what follows each.
            p.count = qAbs(*p.entriesAfter - *lagNow);
        } else {
            // Two ways to count: the entries between the two positions, or (the server's lag
            // given) those on the far side of the new one. The one the IDs' times say is smaller
            // goes first; the other only when it is cut short by the bound.
            bool triedFarSide = false;
            auto farSide = [&]() -> Result<bool> { // true: counted exactly
                triedFarSide = true;
                if (!lagNow)
                    return false;
                if (p.direction == RewindPlan::Direction::Rewind && p.firstEntryId) {
                    auto upTo = countRange(c, stream, p.firstEntryId->predecessor(), newId, o);
                    if (!upTo.ok())
                        return upTo.error();
                    if (!upTo->exact)
                        return false;
                    p.entriesAfter = p.length - upTo->count;
                    p.count = *p.entriesAfter - *lagNow;
                } else if (p.direction == RewindPlan::Direction::Skip) {
                    auto after = countRange(c, stream, newId, std::nullopt, o);
                    if (!after.ok())
                        return after.error();
                    if (!after->exact)
                        return false;
                    p.entriesAfter = after->count;
                    p.count = *lagNow - after->count;
                } else {
                    return false;
                }
                p.countExact = true;
                return true;
            };
            bool counted = false;
            if (lagNow && p.firstEntryId && p.lastEntryId) {
                const quint64 first = p.firstEntryId->ms, last = p.lastEntryId->ms;
                auto clamp = [&](quint64 ms) { return qBound(first, ms, last); };
                const quint64 farSpan = p.direction == RewindPlan::Direction::Rewind
                                            ? clamp(newId.ms) - first
                                            : last - clamp(newId.ms);
                const quint64 betweenSpan = clamp(hi.ms) - clamp(lo.ms);
                if (farSpan < betweenSpan) {
                    auto exact = farSide();
                    if (!exact.ok())
                        return exact.error();
                    counted = exact.value();
                }
            }
            if (!counted) {
                auto between = countRange(c, stream, lo, hi, o);
                if (!between.ok())
                    return between.error();
                p.count = between->count;
                p.countExact = between->exact;
                if (!between->exact && !triedFarSide) {
                    auto exact = farSide();
                    if (!exact.ok())
                        return exact.error();
                }
            }
            if (!p.entriesAfter && p.countExact && lagNow)
                p.entriesAfter = p.direction == RewindPlan::Direction::Rewind ? *lagNow + p.count
                                                                              : *lagNow - p.count;
        }
    } else if (!p.entriesAfter && lagNow) {
        p.entriesAfter = lagNow;
    }
    if (!p.entriesAfter && p.entriesAdded) {
        // No lag to start from (the server does not know it): count what follows, bounded.
        auto after = countRange(c, stream, newId, std::nullopt, o);
        if (!after.ok())
            return after.error();
        if (after->exact)
            p.entriesAfter = after->count;
    }

    // ENTRIESREAD: the entries the group counts as read at the new position, so that the
    // server's lag (entries-added - entries-read) is what follows it. Entries trimmed from the
    // front count as read: they can never be delivered.
    const bool tombstoneAfter =
        p.maxDeletedEntryId && !p.maxDeletedEntryId->isZero() && p.length > 0 && p.firstEntryId
        && *p.maxDeletedEntryId >= *p.firstEntryId && *p.maxDeletedEntryId >= newId;
    if (!p.entriesAdded) {
        p.entriesReadNote = QStringLiteral(
            "the server is older than 7.0: it has no ENTRIESREAD and reports no lag; StreamScope "
            "estimates the lag by counting (bounded), shown as an estimate.");
    } else if (target.kind == RewindTarget::Kind::End) {
        // Taken from entries-added in the same step as the SETID (see setIdScript).
        p.newEntriesRead = *p.entriesAdded;
        p.entriesAfter = 0;
    } else if (tombstoneAfter) {
        p.entriesReadNote =
            QStringLiteral("entries after the new position were deleted (XDEL; the last deleted "
                           "is %1), so the number read up to it cannot be known exactly: "
                           "ENTRIESREAD is left off and the server reports the lag as unknown "
                           "until the group has read past %1 (StreamScope then estimates it).")
                .arg(p.maxDeletedEntryId->toString());
    } else if (!p.entriesAfter) {
        p.entriesReadNote =
            QStringLiteral("the entries after the new position are more than %1 and could not "
                           "be counted exactly: ENTRIESREAD is left off and the lag is unknown "
                           "until the group reads to the end (StreamScope then estimates it).")
                .arg(formatCount(o.countBound));
    } else {
        p.newEntriesRead = *p.entriesAdded - *p.entriesAfter;
    }

    // Pending entries among those received again or skipped.
    if (p.direction != RewindPlan::Direction::Unchanged && p.pending > 0 && !lo.isMax()) {
        // Only the range: XPENDING's end bounds the reply, not only the count.
        auto list = c.command({"XPENDING", stream, group, lo.successor().toByteArray(),
                               hi.toByteArray(), QByteArray::number(o.pendingBound)});
        if (!list.ok())
            return onStreamNode(c, stream, list.error());
        if (list->isError())
            return Error(Error::Kind::Server,
                         QStringLiteral("XPENDING %1 %2: %3").arg(s, g, list->errorMessage()));
        // A pending entry whose body was trimmed or deleted stays pending, but is never
        // delivered again: counted apart. Before the first entry: trimmed; after the last
        // deleted ID: still there; in between, asked (XRANGE id id, pipelined in chunks).
        QList<QPair<StreamId, QByteArray>> unsure;
        auto count = [&](const QByteArray &consumer, bool there) {
            if (!there) {
                ++p.pendingGoneInRange;
                return;
            }
            ++p.pendingInRange;
            ++p.pendingInRangeByConsumer[consumer];
        };
        for (const RedisReply &e : list->elements()) {
            const StreamId id = StreamId::fromServer(e.at(0).bytes());
            const QByteArray consumer = e.at(1).bytes();
            if (!p.firstEntryId || id < *p.firstEntryId || (p.lastEntryId && *p.lastEntryId < id))
                count(consumer, false);
            else if (!p.maxDeletedEntryId || *p.maxDeletedEntryId < id)
                count(consumer, true);
            else
                unsure << qMakePair(id, consumer);
        }
        for (qsizetype start = 0; start < unsure.size(); start += o.pageSize) {
            QList<Command> reads;
            const auto chunk = unsure.mid(start, o.pageSize);
            for (const auto &u : chunk)
                reads << Command{"XRANGE", stream, u.first.toByteArray(), u.first.toByteArray()};
            auto there = c.pipeline(reads);
            if (!there.ok())
                return onStreamNode(c, stream, there.error());
            for (qsizetype i = 0; i < chunk.size(); ++i) {
                const RedisReply &r = there->at(size_t(i));
                if (r.isError())
                    return Error(Error::Kind::Server,
                                 QStringLiteral("XRANGE %1: %2").arg(s, r.errorMessage()));
                count(chunk.at(i).second, r.size() > 0);
            }
        }
        p.pendingInRangeExact = qint64(list->size()) < o.pendingBound;
    }
    // What applyRewind sends: the script, and in it XINFO and the SETID.
    p.forbidden = dryRunRefusal(c,
                                {{"EVAL", "return 1", "1", stream},
                                 {"XINFO", "GROUPS", stream},
                                 {"XINFO", "STREAM", stream},
                                 {"XGROUP", "SETID", stream, group, "$"}},
                                QStringLiteral("rewind group %1").arg(g));
    return p;
}

Result<RewindOutcome> applyRewind(RedisClient &c, const RewindPlan &plan, const RewindOptions &o) {
    const QString s = QString::fromUtf8(plan.stream);
    const QString g = QString::fromUtf8(plan.group);
    if (c.isReadOnly() || c.settings().readOnlyNow())
        return Error(Error::Kind::ReadOnly,
                     QStringLiteral("read-only mode: rewinding group %1 of %2 (XGROUP SETID) "
                                    "would change data on %3, so nothing was sent. Turn "
                                    "read-only mode off to do this.")
                         .arg(g, s, plan.node.isEmpty() ? c.settings().endpoint() : plan.node));
    if (!plan.forbidden.isEmpty())
        return Error(Error::Kind::Server,
                     QStringLiteral("%1; nothing was sent").arg(plan.forbidden));
    const bool toEnd = plan.target.kind == RewindTarget::Kind::End;
    QByteArray entriesRead;
    if (toEnd && plan.entriesAdded)
        entriesRead = "$";
    else if (plan.newEntriesRead)
        entriesRead = QByteArray::number(*plan.newEntriesRead);
    // A live group's consumers read on between the preview and the click: allowed when asked,
    // as long as the group only moved forward and the rewind stays a rewind (a skip a skip).
    QByteArray readOnSince;
    if (o.acceptReadSincePreview) {
        if (toEnd)
            readOnSince = "end";
        else if (plan.direction == RewindPlan::Direction::Rewind)
            readOnSince = "rewind";
        else if (plan.direction == RewindPlan::Direction::Skip)
            readOnSince = "skip";
    }
    Command cmd{"EVAL",
                setIdScript,
                "1",
                plan.stream,
                plan.group,
                plan.lastDeliveredId.toByteArray(),
                toEnd ? QByteArray("$") : plan.newLastDeliveredId.toByteArray(),
                entriesRead,
                plan.entriesAdded ? QByteArray::number(*plan.entriesAdded) : QByteArray(),
                QByteArray::number(plan.length),
                readOnSince};
    auto reply = c.command(cmd);
    if (!reply.ok())
        return onStreamNode(c, plan.stream, reply.error(), true);
    if (reply->isError())
        return Error(Error::Kind::Server,
                     QStringLiteral("XGROUP SETID %1 %2 (in a script, with its check): %3")
                         .arg(s, g, reply->errorMessage()));
    qint64 status = 0;
    reply->at(0).toInteger(&status);
    if (status < 0)
        return Error(
            Error::Kind::Server,
            QStringLiteral("the group %1 of %2 no longer exists: nothing was changed").arg(g, s));
    RewindOutcome out;
    out.plan = plan;
    if (status == 0) {
        out.kind = RewindOutcome::Kind::Moved;
        const QByteArray what = reply->at(1).bytes();
        auto now = planRewind(c, plan.stream, plan.group, plan.target, o);
        if (!now.ok())
            return now.error();
        out.current = now.value();
        out.message =
            what == "group"
                ? QStringLiteral("Nothing was changed: group %1 moved since the preview (its "
                                 "last-delivered-id was %2, now %3): its consumers are reading "
                                 "it. The counts of a group being read change under the "
                                 "rewind, so it is refused: stop the group's consumers (as a "
                                 "Kafka offset reset requires), then run the rewind again. Here "
                                 "is the preview as it is now.")
                      .arg(g, plan.lastDeliveredId.toString(),
                           QString::fromUtf8(reply->at(2).bytes()))
                : QStringLiteral("Nothing was changed: entries were removed from %1 since the "
                                 "preview (trimmed or deleted), so its counts no longer hold. "
                                 "Here is the preview as it is now; apply again if it is still "
                                 "what you want.")
                      .arg(s);
        return out;
    }
    out.kind = RewindOutcome::Kind::Applied;
    qint64 addedNow = -1;
    reply->at(1).toInteger(&addedNow);
    if (toEnd && addedNow >= 0 && plan.entriesAdded)
        out.addedSincePreview = addedNow - *plan.entriesAdded;
    if (reply->size() >= 4) {
        out.lastDeliveredIdBefore = StreamId::fromServer(reply->at(2).bytes());
        qint64 readBefore = -1;
        if (reply->at(3).toInteger(&readBefore) && readBefore >= 0)
            out.entriesReadBefore = readBefore;
    } else {
        out.lastDeliveredIdBefore = plan.lastDeliveredId;
        out.entriesReadBefore = plan.entriesRead;
    }
    out.readSincePreview = out.lastDeliveredIdBefore != plan.lastDeliveredId;
    if (out.readSincePreview && out.entriesReadBefore && plan.entriesRead)
        out.deliveredSincePreview = *out.entriesReadBefore - *plan.entriesRead;
    // The group as the server says now (a failure here does not undo the SETID: say both).
    auto groups = c.command({"XINFO", "GROUPS", plan.stream});
    QString after;
    if (groups.ok() && !groups->isError()) {
        for (const RedisReply &flat : groups->elements()) {
            const RedisReply *n = flat.field("name");
            if (!n || n->bytes() != plan.group)
                continue;
            if (const RedisReply *id = flat.field("last-delivered-id"))
                out.lastDeliveredIdAfter = StreamId::fromServer(id->bytes());
            out.entriesReadAfter = flat.integerField("entries-read");
            out.lagAfter = flat.integerField("lag");
        }
        after = QStringLiteral(" Now: last-delivered-id %1, entries-read %2, lag %3.")
                    .arg(out.lastDeliveredIdAfter.toString(),
                         out.entriesReadAfter ? formatCount(*out.entriesReadAfter)
                                              : QStringLiteral("unknown"),
                         out.lagAfter ? formatCount(*out.lagAfter)
                                      : QStringLiteral("unknown (see the preview)"));
    } else {
        after = QStringLiteral(" (Its figures could not be read back: %1.)")
                    .arg(groups.ok() ? groups->errorMessage() : groups.error().message);
    }
    QString what;
    // The count as applied: the group's consumers may have read on since the preview (a rewind
    // then receives more again, a skip skips fewer).
    qint64 count = plan.count;
    bool exact = plan.countExact;
    if (out.readSincePreview) {
        if (out.deliveredSincePreview)
            count += plan.direction == RewindPlan::Direction::Rewind ? *out.deliveredSincePreview
                                                                     : -*out.deliveredSincePreview;
        else
            exact = false;
    }
    count = std::max<qint64>(0, count);
    const QString n = exact ? countOf(count, "entry", "entries")
                      : plan.direction == RewindPlan::Direction::Skip && out.readSincePreview
                          ? QStringLiteral("at most %1").arg(countOf(count, "entry", "entries"))
                          : QStringLiteral("at least %1").arg(countOf(count, "entry", "entries"));
    QString since;
    if (out.readSincePreview)
        since =
            out.deliveredSincePreview
                ? QStringLiteral(" (its consumers read %1 between the preview and the "
                                 "apply; the preview said %2)")
                      .arg(countOf(*out.deliveredSincePreview, "entry", "entries"),
                           formatCount(plan.count))
                : QStringLiteral(" (its consumers read on between the preview and the "
                                 "apply, from %1 to %2)")
                      .arg(plan.lastDeliveredId.toString(), out.lastDeliveredIdBefore.toString());
    switch (plan.direction) {
    case RewindPlan::Direction::Rewind:
        what = QStringLiteral("Rewound %1 to %2: it receives %3 again%4")
                   .arg(g, plan.target.label, n, since);
        break;
    case RewindPlan::Direction::Skip:
        what = QStringLiteral("Skipped %1 to %2: %3 skipped%4").arg(g, plan.target.label, n, since);
        if (out.addedSincePreview > 0)
            what += QStringLiteral(" (and %1 added since the preview)")
                        .arg(countOf(out.addedSincePreview, "entry", "entries"));
        break;
    case RewindPlan::Direction::Unchanged:
        what =
            QStringLiteral("Set %1 to %2 (its position did not change)").arg(g, plan.target.label);
        break;
    }
    out.message = what + QLatin1Char('.') + after;
    return out;
}

} // namespace streamscope
