#pragma once

#include "AutoClient.h"
#include "Permissions.h"
#include "ReplicaRole.h"
#include "StreamInfo.h"

#include <QHash>
#include <QMetaType>
#include <QSet>

#include <optional>

namespace streamscope {

struct ConsumerStatus {
    QByteArray name;
    qint64 pending = 0;
    qint64 idleMs = 0;                // since the last read/claim (7.2+: the last attempt)
    std::optional<qint64> inactiveMs; // 7.2+: since the last successful one; -1 never
    // The idle time that says whether it works: inactive where the server has it.
    qint64 quietMs() const { return inactiveMs && *inactiveMs >= 0 ? *inactiveMs : idleMs; }
};

struct GroupStatus {
    QByteArray stream;
    QByteArray name;
    qint64 consumers = 0;
    qint64 pending = 0;
    StreamId lastDeliveredId;
    std::optional<qint64> entriesRead; // 7.0+, nil after SETID without ENTRIESREAD
    // Entries the group has not been delivered yet: the server's (7.0+) or our estimate.
    std::optional<qint64> lag;
    bool lagEstimated = false;
    QString lagNote;      // why the lag is estimated or unknown
    qint64 timeLagMs = 0; // age of the oldest entry not yet delivered; 0 if none
    // Not empty when the time lag could not be read (the ACL user may not run XRANGE): then
    // timeLagMs is 0 and means nothing. Show "unknown" with this reason, never "0 ms".
    QString timeLagUnknown;
    // The oldest pending entry (XPENDING summary). pendingUnknown is not empty when it could
    // not be read (the user may not run XPENDING): then oldestPendingId is empty and the age of
    // the oldest pending entry is unknown, not "none" (pending, from XINFO GROUPS, stays true).
    std::optional<StreamId> oldestPendingId;
    QString pendingUnknown;
    QList<ConsumerStatus> consumerList;

    std::optional<qint64> oldestPendingAgeMs(qint64 nowMs) const {
        if (!oldestPendingId)
            return std::nullopt;
        return qMax<qint64>(0, nowMs - qint64(oldestPendingId->ms));
    }
    // Are there entries after the last-delivered-id (whatever the lag field says)?
    bool hasUndelivered(const StreamInfo &info) const {
        return info.lastGeneratedId > lastDeliveredId && info.length > 0 && info.lastEntryId
               && *info.lastEntryId > lastDeliveredId;
    }
};

struct StreamStatus {
    StreamInfo info;
    QList<GroupStatus> groups;
    qint64 sampledAtMs = 0;
};
using StreamStatusList = QList<StreamStatus>;

// One pending entry, from the extended XPENDING form.
struct PendingEntry {
    StreamId id;
    QByteArray consumer;
    qint64 idleMs = 0;
    qint64 deliveries = 0;
};
using PendingEntryList = QList<PendingEntry>;

// The time lag of a group needs the ID of the first entry after its last-delivered-id, and only
// XRANGE ... COUNT 1 gives it: with the entry whole, whatever its size. So it is remembered
// per group: it stays the answer while the last-delivered-id stays, until that entry is
// trimmed or deleted (seen from the stream's first entry, max-deleted-entry-id or length).
class TimeLagCache {
public:
    std::optional<StreamId> lookup(const StreamInfo &stream, const GroupStatus &group) const;
    void remember(const GroupStatus &group, std::optional<StreamId> firstUndelivered,
                  qint64 streamLength = -1);
    void forgetAllBut(const QSet<QByteArray> &groupKeys);

private:
    struct Known {
        StreamId lastDeliveredId;
        std::optional<StreamId> firstUndelivered;
        qint64 streamLength = -1;
    };
    QHash<QByteArray, Known> m_known;
};

// XINFO STREAM + XINFO GROUPS for each stream, then XINFO CONSUMERS (groups with consumers),
// the XPENDING summary (groups with pending entries) and the first undelivered entry for each
// group: two pipelined round trips in all, never FULL.
// Streams that do not exist are left out. serverVersion (70015 for 7.0.15) decides what to
// expect; before 7.0 the lag is estimated with a bounded XRANGE count.
// On a replica the server's entries-read is not kept current (7.0.15 keeps what the last full
// sync copied, or nil), and a lag derived from it is wrong: there the lag is the server's only
// when it derives it from the stream alone (entries-read nil), else counted with a bounded
// XRANGE (exact below the bound, "at least" beyond it), else unknown with the reason. role
// Unknown: asked in the first round trip (INFO replication); on a cluster, primaries answer.
// A user without XPENDING or XRANGE gets the rest, with pendingUnknown / timeLagUnknown saying
// what is missing. With keepForbidden, a stream the user may not read (its key is outside its
// key patterns) is returned with info.noAccess set and no groups; without it, that fails the
// call (as does a refusal of XINFO itself, always).
Result<StreamStatusList> fetchStreamStatus(RedisClient &connection,
                                           const QList<QByteArray> &streams, int serverVersion,
                                           bool keepForbidden = false,
                                           ServerRole role = ServerRole::Unknown);

// Like fetchStreamStatus, for streams the caller has described already: XINFO GROUPS (never
// XINFO STREAM, which returns the first and last entries whole), then the group details; the
// first undelivered entry of a group only when the cache cannot tell. A NOPERM reply fails the
// whole poll with the server's message.
// access, when given (what probePermissions found), keeps what the user may not run from being
// sent at all: pendingUnknown / timeLagUnknown say so from the start.
Result<StreamStatusList> fetchGroupStatus(RedisClient &connection, const StreamInfoList &streams,
                                          int serverVersion, TimeLagCache *cache,
                                          bool keepForbidden = false,
                                          const Permissions *access = nullptr,
                                          ServerRole role = ServerRole::Unknown);

// XPENDING stream group [IDLE minIdle] start + count [consumer]: one page of the pending list.
Result<PendingEntryList> fetchPending(RedisClient &connection, const QByteArray &stream,
                                      const QByteArray &group, const QByteArray &start, int count,
                                      qint64 minIdleMs = 0, const QByteArray &consumer = {});

// INFO server's version as a number (70015), 0 when unknown (*unknownReason says why, e.g. the
// user may not run INFO); on a cluster one primary answers (mode "cluster").
int fetchServerVersion(RedisClient &connection, QString *text = nullptr, QString *mode = nullptr,
                       QString *unknownReason = nullptr);
// Why the version is unknown after INFO answered with an error reply: "no permission: ..."
// with what to add, for ServerInfo::unknownReason and the CLI.
QString versionUnknownText(const RedisClient &connection, const RedisReply &reply);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::StreamStatus)
Q_DECLARE_METATYPE(streamscope::StreamStatusList)
Q_DECLARE_METATYPE(streamscope::PendingEntryList)
