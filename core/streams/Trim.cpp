#include "Trim.h"
#include "Wording.h"

namespace streamscope {

namespace {
constexpr qint64 countBound = 10000; // entries read at most to find a boundary or to count

Result<std::optional<StreamId>> idAt(RedisClient &c, const Command &range) {
    auto reply = c.command(range);
    if (!reply.ok())
        return reply.error();
    if (reply->isError())
        return Error(Error::Kind::Server, reply->errorMessage());
    if (!reply->isArray() || reply->size() == 0)
        return std::optional<StreamId>();
    return std::optional<StreamId>(
        StreamId::fromServer(reply->at(reply->size() - 1).at(0).bytes()));
}
} // namespace

Command TrimSpec::command(const QByteArray &stream) const {
    Command cmd{"XTRIM", stream, mode == Mode::MaxLen ? "MAXLEN" : "MINID"};
    if (approximate)
        cmd << "~";
    cmd << (mode == Mode::MaxLen ? QByteArray::number(maxLen) : minId.toByteArray());
    return cmd;
}

Result<TrimPreview> previewTrim(RedisClient &c, const QByteArray &stream, const TrimSpec &spec,
                                int serverVersion) {
    auto status = fetchStreamStatus(c, {stream}, serverVersion);
    if (!status.ok())
        return status.error();
    if (status->isEmpty())
        return Error(Error::Kind::Server,
                     QStringLiteral("no stream called \"%1\"").arg(QString::fromUtf8(stream)));
    const StreamStatus &s = status->first();
    TrimPreview p;
    p.length = s.info.length;

    if (spec.mode == TrimSpec::Mode::MaxLen) {
        p.removed = qMax<qint64>(0, s.info.length - spec.maxLen);
        if (p.removed == 0) {
            p.newFirstId = s.info.firstEntryId;
        } else if (spec.maxLen == 0) {
            p.newFirstId.reset();
        } else if (p.removed < countBound) { // the (removed+1)-th oldest entry
            auto id =
                idAt(c, {"XRANGE", stream, "-", "+", "COUNT", QByteArray::number(p.removed + 1)});
            if (!id.ok())
                return id.error();
            p.newFirstId = id.value();
        } else if (spec.maxLen <= countBound) { // the maxLen-th newest entry
            auto id =
                idAt(c, {"XREVRANGE", stream, "+", "-", "COUNT", QByteArray::number(spec.maxLen)});
            if (!id.ok())
                return id.error();
            p.newFirstId = id.value();
        }
    } else {
        auto id = idAt(c, {"XRANGE", stream, spec.minId.toByteArray(), "+", "COUNT", "1"});
        if (!id.ok())
            return id.error();
        p.newFirstId = id.value();
        // Count what goes, up to the bound.
        auto reply = c.command({"XRANGE", stream, "-", spec.minId.predecessor().toByteArray(),
                                "COUNT", QByteArray::number(countBound + 1)});
        if (!reply.ok())
            return reply.error();
        if (reply->isError()) // not "nothing would be removed"
            return Error(Error::Kind::Server, reply->errorMessage());
        p.removed = spec.minId.isZero() ? 0 : qint64(reply->size());
        p.removedIsExact = p.removed <= countBound;
        p.removed = qMin(p.removed, countBound);
    }

    for (const GroupStatus &g : s.groups) {
        bool loses = false;
        std::optional<qint64> lost;
        if (spec.mode == TrimSpec::Mode::MaxLen && g.lag) {
            // The group's unread entries are the newest `lag` ones; maxLen of them survive.
            loses = *g.lag > spec.maxLen;
            if (loses)
                lost = *g.lag - spec.maxLen;
        } else if (g.hasUndelivered(s.info)) {
            // Its first undelivered entry goes when it is older than the new first entry.
            auto next = idAt(c, {"XRANGE", stream, g.lastDeliveredId.successor().toByteArray(), "+",
                                 "COUNT", "1"});
            if (!next.ok())
                return next.error();
            loses =
                next.value() && (!p.newFirstId || *next.value() < *p.newFirstId) && p.removed > 0;
        }
        if (loses)
            p.groupsLosingUnread.append({g.name, lost});
        else
            p.safeGroups.append(g.name);
    }
    return p;
}

QString TrimPreview::describe(const QByteArray &stream, bool approximate) const {
    QString text =
        QStringLiteral("%1%2 of %3 of %4 would be removed")
            .arg(approximate ? QStringLiteral("Up to ") : QString(),
                 removedIsExact ? formatCount(removed)
                                : QStringLiteral("more than %1").arg(formatCount(removed)),
                 countOf(length, "entry", "entries"), QString::fromUtf8(stream));
    if (newFirstId)
        text += QStringLiteral("; the first entry would be %1").arg(newFirstId->toString());
    text += QLatin1Char('.');
    for (const GroupLoss &g : groupsLosingUnread)
        text += QStringLiteral("\nGroup %1 would lose %2 it has not been delivered yet.")
                    .arg(QString::fromUtf8(g.group),
                         g.unreadLost ? countOf(*g.unreadLost, "entry", "entries")
                                      : QStringLiteral("entries"));
    return text;
}

} // namespace streamscope
