#pragma once

#include "AutoClient.h"
#include "FlowTracker.h"

#include <QMetaType>

#include <functional>

namespace streamscope {

// "How many flows in the last 15 minutes?" from history rather than only from what arrived while
// watching: the flow's streams read forward by ID range (XRANGE, paged), merged in time order
// and fed to a tracker. Bounded: at most maxPerStream entries of each stream; when a stream has
// more, counting stops at the moment it reached (so the streams stay consistent) and says so.
struct FlowHistoryOptions {
    qint64 maxPerStream = 200000;
    int pageSize = 1000;
    std::function<bool()> stop; // asked between pages: true ends the count (stopped)
};

struct FlowHistoryResult {
    FlowConfig config;
    qint64 fromMs = 0;
    qint64 toMs = 0;
    qint64 countedToMs = 0; // toMs, or the last moment counted when cut short or stopped
    FlowStats stats;        // ages and "waiting over" measured at countedToMs
    QList<QByteArray> streams;
    QList<qint64> scanned; // entries read, per stream
    QByteArray boundedBy;  // the stream whose bound cut the count ("" when not cut)
    qint64 bound = 0;
    bool stopped = false;
    QString error; // the count could not be made (nothing else holds)

    bool cutShort() const { return !boundedBy.isEmpty() || stopped; }
    bool ok() const { return error.isEmpty(); }
    qint64 totalScanned() const;
    // One paragraph for the view: the counts, and what limits them.
    QString describe() const;
};

FlowHistoryResult countFlowHistory(RedisClient &connection, const FlowConfig &config, qint64 fromMs,
                                   qint64 toMs, const FlowHistoryOptions &options = {});

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::FlowHistoryResult)
