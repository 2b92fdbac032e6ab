#include "KeyLookup.h"

#include "StreamPaging.h"

#include <QLocale>

#include <algorithm>

namespace streamscope {

bool KeyLookupResult::anyCutShort() const {
    return std::any_of(streams.cbegin(), streams.cend(),
                       [](const KeyLookupHits &h) { return h.cutShort; });
}

qint64 KeyLookupResult::hits() const {
    qint64 n = 0;
    for (const KeyLookupHits &h : streams)
        n += h.entries.size();
    return n;
}

QString KeyLookupResult::describe() const {
    QStringList parts;
    for (const KeyLookupHits &h : streams) {
        QString part = QStringLiteral("%1: ").arg(QString::fromUtf8(h.stream));
        if (!h.error.isEmpty())
            part += h.error;
        else
            part += QStringLiteral("%1 found in %2 scanned")
                        .arg(h.entries.size())
                        .arg(QLocale().toString(h.scanned));
        if (h.stopped)
            part += QStringLiteral(" (stopped)");
        else if (h.cutShort)
            part += h.reached ? QStringLiteral(" (search cut short at %1, %2)")
                                    .arg(QString::fromLatin1(h.reached->toByteArray()),
                                         h.reached->timeText(Qt::ISODate))
                              : QStringLiteral(" (search cut short)");
        parts << part;
    }
    return QStringLiteral("%1 = %2: %3")
        .arg(QString::fromUtf8(field), QString::fromUtf8(value), parts.join(QStringLiteral("; ")));
}

namespace {

KeyLookupHits searchStream(RedisClient &connection, const QByteArray &stream,
                           const QByteArray &field, const QByteArray &value,
                           const KeyLookupOptions &options) {
    KeyLookupHits hits;
    hits.stream = stream;
    PageStart start = options.newest ? PageStart::atOrBefore(*options.newest) : PageStart::newest();
    while (true) {
        if (options.stop && options.stop()) {
            hits.cutShort = hits.stopped = true;
            break;
        }
        const int count =
            int(std::min<qint64>(options.pageSize, options.maxScanned - hits.scanned));
        if (count <= 0) {
            hits.cutShort = true;
            break;
        }
        auto page = fetchHistoryPage(connection, stream, start, count);
        if (!page.ok()) {
            hits.error = page.error().message;
            hits.errorKind = page.error().kind;
            break;
        }
        bool pastOldest = false;
        for (const StreamEntry &e : page.value()) {
            if (options.oldest && e.id < *options.oldest) {
                pastOldest = true;
                break;
            }
            ++hits.scanned;
            hits.reached = e.id;
            if (e.value(field) == value)
                hits.entries.append(e);
        }
        if (pastOldest || page->size() < count)
            break; // the bound or the stream's first entry
        if (hits.entries.size() >= options.maxHits) {
            hits.cutShort = true;
            break;
        }
        start = PageStart::olderThan(page->last().id);
    }
    if (!hits.cutShort)
        hits.reached.reset();
    std::reverse(hits.entries.begin(), hits.entries.end());
    return hits;
}

} // namespace

KeyLookupResult lookupKey(RedisClient &connection, const QList<QByteArray> &streams,
                          const QByteArray &field, const QByteArray &value,
                          const KeyLookupOptions &options) {
    KeyLookupResult result;
    result.field = field;
    result.value = value;
    KeyLookupOptions bounded = options;
    for (qsizetype i = 0; i < streams.size(); ++i) {
        KeyLookupHits hits = searchStream(connection, streams.at(i), field, value, bounded);
        // The bound is the hit's millisecond, not its ID: sequence numbers count per stream
        // (and on a cluster each node makes its streams' IDs), so an entry of the same
        // millisecond with a smaller sequence number in another stream is not older.
        const StreamId hitTime{hits.entries.isEmpty() ? 0 : hits.entries.first().id.ms, 0};
        if (i == 0 && !hits.entries.isEmpty() && (!bounded.oldest || *bounded.oldest < hitTime))
            bounded.oldest = hitTime;
        result.streams.append(std::move(hits));
    }
    return result;
}

} // namespace streamscope
