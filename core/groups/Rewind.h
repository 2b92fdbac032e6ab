#pragma once

// Rewinding or skipping a consumer group ("reset offsets to a time"), previewed first.
// --to X means: the next entry the group receives is the first entry at or after X. The group's
// last-delivered-id is set (XGROUP SETID) to the last entry before X, with ENTRIESREAD computed
// so that the server keeps the group's lag known (7.0+).

#include "AutoClient.h"
#include "StreamId.h"

#include <QDate>
#include <QJsonObject>
#include <QMap>
#include <QMetaType>

#include <optional>

namespace streamscope {

// Where the group is to continue from.
struct RewindTarget {
    enum class Kind {
        Start, // the stream's first entry (SETID 0)
        End,   // only entries added from now on (SETID $, at the moment it is applied)
        Entry, // the first entry at or after `from` (typed as an ID or a time)
    };
    Kind kind = Kind::Start;
    StreamId from;
    bool isTime = false;
    QString label; // as shown: "the start", "the end", "14:05:00", "1700000000000-0"

    static RewindTarget start();
    static RewindTarget end();
    // An entry ID (the first entry at or after it).
    static RewindTarget entry(const StreamId &id);
    // A moment (local time): the first entry added at or after it.
    static RewindTarget time(const QDateTime &moment);
    // "start", "end", an ID or a time as the other commands take it (export --from):
    // "2026-11-25 14:05[:30[.123]]", "14:05" (today), "1700000000000-0". A time means its first
    // millisecond: "14:05" is 14:05:00.000.
    static Result<RewindTarget> parse(const QString &text, const QDate &today);
};

// What a rewind (or skip) would do, read from the server before anything changes.
struct RewindPlan {
    enum class Direction {
        Rewind,    // the group receives entries again
        Skip,      // the group skips entries it has not been delivered yet
        Unchanged, // the same position
    };
    QByteArray stream;
    QByteArray group;
    RewindTarget target;
    QString node; // the server that holds the stream ("host:port")

    // The group now.
    StreamId lastDeliveredId;
    std::optional<qint64> entriesRead; // 7.0+, nil when the server does not know it
    std::optional<qint64> lag;         // the server's (7.0+); nil when unknown
    qint64 pending = 0;
    qint64 consumers = 0;

    // The stream now.
    qint64 length = 0;
    StreamId lastGeneratedId;
    std::optional<StreamId> firstEntryId;
    std::optional<StreamId> lastEntryId;
    std::optional<StreamId> maxDeletedEntryId; // 7.0+
    std::optional<qint64> entriesAdded;        // 7.0+ (and so ENTRIESREAD is available)

    // After.
    StreamId newLastDeliveredId;       // End: the last-generated-id now ($ when applied)
    std::optional<StreamId> firstNext; // the first entry it receives next; none: only new ones
    Direction direction = Direction::Unchanged;
    qint64 count = 0;       // entries received again (Rewind) or skipped (Skip)
    bool countExact = true; // false: at least count (the bounded count was cut short)
    // Entries in the stream after the new position (the lag right after), when known.
    std::optional<qint64> entriesAfter;
    // ENTRIESREAD sent with SETID; none: left off, entriesReadNote says why and what that
    // means for the lag.
    std::optional<qint64> newEntriesRead;
    QString entriesReadNote;
    // Pending entries among those received again (Rewind) or skipped (Skip) that the stream
    // still holds, per consumer.
    qint64 pendingInRange = 0;
    bool pendingInRangeExact = true; // false: at least (bounded)
    QMap<QByteArray, qint64> pendingInRangeByConsumer;
    // Pending entries in that range whose entry was trimmed or deleted: they stay pending but
    // are never delivered again (not in pendingInRange).
    qint64 pendingGoneInRange = 0;

    // Why the connected ACL user may not apply it, with the rule to add (ACL DRYRUN of the
    // script and the SETID); empty when it may or the server cannot say. applyRewind refuses.
    QString forbidden;

    // "Rewind payment-service to 14:05:00 (1,234 entries again)": the confirm button's label.
    QString summary() const;
    // The whole preview, a sentence a line: now, after, the count and from which ID, the
    // pending entries, the lag.
    QString describe() const;
    QJsonObject toJson() const;
    // The SETID command applyRewind sends (for the preview and the docs).
    QString commandText() const;
};

struct RewindOptions {
    qint64 countBound = 100000; // entries counted with XRANGE at most, per range
    int pageSize = 500;         // entries per XRANGE page (entries come whole)
    int pendingBound = 10000;   // pending entries listed at most to count those in the range
    // applyRewind: a live group's consumers read on between the preview and the apply (the GUI:
    // seconds). Go ahead as long as the group only moved forward and the rewind stays a rewind
    // (a skip a skip); the outcome says how many as applied. Off: any move refuses (Moved).
    bool acceptReadSincePreview = false;
};

// Reads the group and the stream (XINFO STREAM, XINFO GROUPS: never FULL) and, where the
// server's counters cannot answer, counts by XRANGE pages (bounded). Read-only: works on a
// read-only connection. Fails when the stream or the group does not exist, or when an ID or time
// target lies after the stream's last-generated-id (nothing is there yet: use end).
Result<RewindPlan> planRewind(RedisClient &connection, const QByteArray &stream,
                              const QByteArray &group, const RewindTarget &target,
                              const RewindOptions &options = {});

struct RewindOutcome {
    enum class Kind {
        Applied, // SETID sent
        Moved,   // refused: the group moved (or entries were removed) since the preview;
                 // nothing was changed, current is a new preview
    };
    Kind kind = Kind::Applied;
    RewindPlan plan;    // what was applied (Applied) or refused (Moved)
    RewindPlan current; // Moved: the preview as the group is now
    // Applied: the group as XINFO GROUPS says right after.
    StreamId lastDeliveredIdAfter;
    std::optional<qint64> entriesReadAfter;
    std::optional<qint64> lagAfter;
    // Applied to the end: entries added between the preview and the apply (skipped as well).
    qint64 addedSincePreview = 0;
    // Applied: the group just before the SETID. readSincePreview: its consumers had read on
    // since the preview (RewindOptions::acceptReadSincePreview), deliveredSincePreview entries
    // (nullopt: not known, the server keeps no entries-read).
    StreamId lastDeliveredIdBefore;
    std::optional<qint64> entriesReadBefore;
    bool readSincePreview = false;
    std::optional<qint64> deliveredSincePreview;
    QString message; // what happened, for people
    QJsonObject toJson() const;
};

// Applies plan: XGROUP SETID stream group id [ENTRIESREAD n], as one Lua script (EVAL, on the
// stream's node) that first checks that the group's last-delivered-id is still the previewed one
// and that no entry was removed from the stream since (length and entries-added moved together):
// otherwise nothing is changed and the outcome is Moved with a new preview. A script rather
// than WATCH + MULTI: WATCH guards a key's value, and a group moving (XREADGROUP, SETID) is not
// documented to touch it; the script's check and SETID cannot be separated. Entries added since
// the preview do not refuse it (with end they are skipped too: addedSincePreview). A read-only
// connection refuses it with the reason; nothing is sent then.
Result<RewindOutcome> applyRewind(RedisClient &connection, const RewindPlan &plan,
                                  const RewindOptions &options = {});

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::RewindPlan)
Q_DECLARE_METATYPE(streamscope::RewindOutcome)
