#pragma once

#include "GroupStatus.h"

#include <QHash>
#include <QMetaType>
#include <QStringList>

#include <optional>

namespace streamscope {

enum class Severity { Ok, Warning, Critical };
QString severityName(Severity severity); // "ok", "warning", "critical"

struct HealthOptions {
    qint64 idleThresholdMs = 60000;
    qint64 maxDeliveries = 5;
    int windowSeconds = 0;   // 0: judge one snapshot
    int pendingSample = 100; // pending entries looked at per group and rule
};

// One thing wrong, with what to do about it. Members that do not apply stay empty.
struct Finding {
    QString kind; // dead-consumer, stuck-entry, poison-entry, no-consumers, stalled-group,
                  // lagging-group, lag-unknown, trimmed-unread, dangling-pending;
                  // not-evaluated: rules that could not be evaluated (see rules), not a
                  // problem of the group but a gap in what is known about it
    Severity severity = Severity::Warning;
    QByteArray stream;
    QByteArray group;
    QByteArray consumer;
    std::optional<StreamId> entryId;
    std::optional<qint64> count;
    std::optional<qint64> atMost; // when the count is unknown: the bound the server allows
    std::optional<qint64> idleMs;
    std::optional<qint64> deliveries;
    // dead-consumer, stuck-entry: the idle time the rule counts from (its threshold), where a
    // repair (XAUTOCLAIM, XPENDING IDLE) starts too.
    std::optional<qint64> minIdleMs;
    QString message;
    QStringList rules; // not-evaluated: the rules left out ("stuck-entry", ...)
    QString reason;    // not-evaluated: why ("no permission: ... add +xpending ...")
};
using FindingList = QList<Finding>;

// What the rules need to know about a group's pending entries beyond the summary: the oldest
// entries idle for the threshold, the oldest entries at all, and which of them no longer exist.
struct PendingSample {
    PendingEntryList idle;   // XPENDING IDLE threshold - + N
    PendingEntryList oldest; // XPENDING - + N
    QList<StreamId> missing; // pending IDs whose entries were trimmed or deleted
    // Why idle and oldest are unknown (the user may not run XPENDING): stuck-entry,
    // poison-entry and dangling-pending are then not evaluated, never "none found".
    QString notEvaluated;
    // Why missing is unknown (the user may not run XRANGE): dangling-pending not evaluated.
    QString missingUnknown;
};

QByteArray groupKey(const QByteArray &stream, const QByteArray &group);

// Fetches the pending samples of every group with pending entries: two pipelined round trips.
// A refused XPENDING or XRANGE is no failure: the sample says what is unknown and why. access,
// when given (probePermissions), keeps what the user may not run from being sent at all.
Result<QHash<QByteArray, PendingSample>> fetchPendingSamples(RedisClient &connection,
                                                             const StreamStatusList &streams,
                                                             const HealthOptions &options,
                                                             const Permissions *access = nullptr);

// The rules for one group. history holds earlier samples of the same group, oldest first,
// covering the window (empty when judging one snapshot).
FindingList evaluateGroup(const StreamInfo &stream, const GroupStatus &group,
                          const QList<GroupStatus> &history, const PendingSample &pending,
                          const HealthOptions &options);

Severity worstOf(const FindingList &findings);
// The findings that are problems (everything but not-evaluated).
int problemCount(const FindingList &findings);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::Finding)
Q_DECLARE_METATYPE(streamscope::FindingList)
