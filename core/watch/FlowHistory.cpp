#include "FlowHistory.h"

#include "Wording.h"

#include <deque>

namespace streamscope {

qint64 FlowHistoryResult::totalScanned() const {
    qint64 n = 0;
    for (qint64 s : scanned)
        n += s;
    return n;
}

QString FlowHistoryResult::describe() const {
    const QString range =
        QStringLiteral("%1 to %2").arg(formatClock(fromMs), formatClock(countedToMs));
    if (!ok())
        return QStringLiteral("Could not count the flows from %1: %2")
            .arg(formatClock(fromMs), error);
    const FlowStats &s = stats;
    const qint64 finished = s.completed + s.failed;
    QString text =
        QStringLiteral("From %1: %2, %3 completed, %4 failed, %5 not finished")
            .arg(range, countOf(s.started, "flow started", "flows started"),
                 formatCount(s.completed), formatCount(s.failed), formatCount(s.waiting));
    if (finished > 0)
        text += QStringLiteral("; latency p50 %1, p90 %2, p99 %3, max %4")
                    .arg(formatLatency(s.p50), formatLatency(s.p90), formatLatency(s.p99),
                         formatLatency(s.maxLatency));
    text += QStringLiteral(". Read %1").arg(countOf(totalScanned(), "entry", "entries"));
    if (s.endsWithoutStart > 0)
        text +=
            QStringLiteral("; %1 started before %2 (not counted)")
                .arg(countOf(s.endsWithoutStart, "end event whose flow", "end events whose flows"),
                     formatClock(fromMs));
    text += QLatin1Char('.');
    if (!boundedBy.isEmpty())
        text += QStringLiteral(" Cut short: %1 has more than %2 from %3, so the count stops at "
                               "%4 (not %5).")
                    .arg(QString::fromUtf8(boundedBy), countOf(bound, "entry", "entries"),
                         formatClock(fromMs), formatClock(countedToMs), formatClock(toMs));
    else if (stopped)
        text += QStringLiteral(" Stopped at %1 (not %2).")
                    .arg(formatClock(countedToMs), formatClock(toMs));
    return text;
}

FlowHistoryResult countFlowHistory(RedisClient &connection, const FlowConfig &config, qint64 fromMs,
                                   qint64 toMs, const FlowHistoryOptions &options) {
    FlowHistoryResult result;
    result.config = config;
    result.fromMs = fromMs;
    result.toMs = toMs;
    result.countedToMs = toMs;
    result.streams = config.streams();
    result.bound = options.maxPerStream;
    FlowTracker tracker(config);
    struct Cursor {
        QByteArray stream;
        StreamId next;
        std::deque<StreamEntry> buffer; // one page at most
        bool exhausted = false;
        qint64 scanned = 0;
    };
    std::vector<Cursor> cursors;
    for (const QByteArray &s : result.streams)
        cursors.push_back({s, StreamId{quint64(std::max<qint64>(fromMs, 0)), 0}, {}, false, 0});
    const QByteArray end = QByteArray::number(toMs); // XRANGE: all of that millisecond
    qint64 lastFedMs = fromMs;
    bool cut = false;
    while (!cut) {
        // Refill every empty buffer, so that the merge below sees each stream's next entry.
        for (Cursor &c : cursors) {
            if (!c.buffer.empty() || c.exhausted)
                continue;
            if (options.stop && options.stop()) {
                result.stopped = true;
                cut = true;
                break;
            }
            const qint64 room = options.maxPerStream - c.scanned;
            // At the bound, one more entry tells "more than the bound" from "exactly the bound".
            const int count = room > 0 ? int(std::min<qint64>(options.pageSize, room)) : 1;
            StreamEntryList page;
            auto reply = connection.commandEntries(
                {"XRANGE", c.stream, c.next.toByteArray(), end, "COUNT", QByteArray::number(count)},
                0, &page, -1, c.stream);
            if (!reply.ok() || reply->isError()) {
                result.error = QStringLiteral("reading %1: %2")
                                   .arg(QString::fromUtf8(c.stream),
                                        reply.ok() ? reply->errorMessage() : reply.error().message);
                return result;
            }
            if (room <= 0) {
                if (page.isEmpty()) {
                    c.exhausted = true;
                    continue;
                }
                result.boundedBy = c.stream;
                cut = true;
                break;
            }
            c.scanned += page.size();
            c.exhausted = page.size() < count || page.constLast().id.isMax();
            if (!page.isEmpty())
                c.next = page.constLast().id.successor();
            c.buffer.insert(c.buffer.end(), page.cbegin(), page.cend());
        }
        if (cut)
            break;
        // The oldest head by time; on the same millisecond the start stream first (sequence
        // numbers count per stream, so they do not order two streams).
        Cursor *oldest = nullptr;
        for (Cursor &c : cursors)
            if (!c.buffer.empty()
                && (!oldest || c.buffer.front().id.ms < oldest->buffer.front().id.ms))
                oldest = &c;
        if (!oldest)
            break; // every stream read up to toMs
        lastFedMs = qint64(oldest->buffer.front().id.ms);
        tracker.add(oldest->buffer.front());
        oldest->buffer.pop_front();
    }
    for (const Cursor &c : cursors)
        result.scanned << c.scanned;
    if (result.cutShort())
        result.countedToMs = lastFedMs;
    result.stats = tracker.stats(result.countedToMs, 50);
    return result;
}

} // namespace streamscope
