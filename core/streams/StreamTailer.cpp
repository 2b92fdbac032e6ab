#include "StreamTailer.h"

#include "FlowTracker.h"
#include "KeyLookup.h"
#include "Wording.h"

#include "AutoClient.h"
#include "ClusterClient.h"
#include "ClusterSlots.h"
#include "RedisConnection.h"
#include "SentinelClient.h"
#include "SshTunnel.h"
#include "StreamInfo.h"

#include <QDateTime>
#include <QThread>

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

namespace streamscope {

namespace {
qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

// A certificate or an SSH host key we cannot accept: retrying would fail the same way, every
// few seconds, forever. The tail stops and says why; the user reconnects when it is fixed.
bool retryCannotHelp(const Error &error) {
    return error.kind == Error::Kind::Tls || error.kind == Error::Kind::HostKey;
}

bool isMissingKey(const RedisReply &reply) {
    return reply.isError() && reply.errorMessage().contains(QLatin1String("no such key"));
}

// Entries remembered between two checks of a stream; past this many, a check is due.
constexpr qsizetype maxUnverified = 20000;
constexpr int maxGrowAfterMs = 10 * 60 * 1000;
constexpr int infoPauseMs = 5 * 60 * 1000;

// A hash of an entry's ID and fields: tells an entry read before a reset from a different one
// that the new data holds under the same ID (64 bits: a collision is vanishingly unlikely).
quint64 fingerprint(const StreamEntry &e) {
    size_t h = qHashMulti(0, e.id.ms, e.id.seq);
    e.forEachField([&](QByteArrayView name, QByteArrayView value) {
        h = qHash(name, h);
        h = qHash(value, h);
    });
    return quint64(h);
}

// A line of an INFO reply ("run_id"); empty when refused or absent.
QByteArray infoField(const RedisReply &reply, const QByteArray &name) {
    if (reply.isError())
        return {};
    const QByteArray text = reply.bytes();
    const QByteArray key = "\n" + name + ':';
    const qsizetype at = text.indexOf(key);
    if (at < 0)
        return {};
    const qsizetype from = at + key.size();
    qsizetype to = from;
    while (to < text.size() && text.at(to) != '\r' && text.at(to) != '\n')
        ++to;
    return text.mid(from, to - from);
}

QByteArray runIdOf(const RedisReply &reply) {
    return infoField(reply, "run_id");
}

// What moves whenever a node's data changes, from INFO persistence: its dirty counter (every
// write, in MULTI and Lua too) and the last save's time (a save resets the counter, so an equal
// count after a save is no proof of rest). Empty when refused (ACL) or absent.
QByteArray changeMarkOf(const RedisReply &reply) {
    const QByteArray changes = infoField(reply, "rdb_changes_since_last_save");
    if (changes.isEmpty())
        return {};
    return changes + ' ' + infoField(reply, "rdb_last_save_time");
}

// Bytes of a reply's strings: what an XINFO STREAM reply cost the server to send, about.
qint64 replyBytes(const RedisReply &reply) {
    qint64 n = reply.bytes().size() + 16;
    for (const RedisReply &e : reply.elements())
        n += replyBytes(e);
    return n;
}

// The entries of an XREAD reply parsed as a value tree (a pipelined round at rest, when each
// reply is mostly nil): [[stream, [[id, [field, value, ...]], ...]], ...]. False when the
// reply does not have that shape.
bool appendEntries(const RedisReply &reply, StreamEntryList *out) {
    if (reply.isNil())
        return true;
    if (!reply.isArray())
        return false;
    for (const RedisReply &stream : reply.elements()) {
        if (stream.size() != 2 || !stream.at(1).isArray())
            return false;
        const QByteArray name = stream.at(0).bytes();
        for (const RedisReply &entry : stream.at(1).elements()) {
            StreamId id;
            if (entry.size() != 2 || !StreamId::parseServer(entry.at(0).bytes(), &id)
                || !entry.at(1).isArray())
                return false;
            QList<QByteArray> fields;
            fields.reserve(qsizetype(entry.at(1).size()));
            for (const RedisReply &f : entry.at(1).elements())
                fields.append(f.bytes());
            out->append(StreamEntry::make(name, id, fields));
        }
    }
    return true;
}

QString slotList(const QSet<int> &slots) {
    QList<int> sorted = slots.values();
    std::sort(sorted.begin(), sorted.end());
    QStringList parts;
    for (int slot : sorted)
        parts << QString::number(slot);
    return parts.join(QStringLiteral(", "));
}

QString entriesText(qint64 n) {
    return QStringLiteral("%1 entr%2").arg(n).arg(n == 1 ? "y" : "ies");
}
} // namespace

QString tailStateName(TailState state) {
    switch (state) {
    case TailState::Connecting:
        return QStringLiteral("connecting");
    case TailState::Live:
        return QStringLiteral("live");
    case TailState::Reconnecting:
        return QStringLiteral("reconnecting");
    case TailState::Stopped:
        return QStringLiteral("stopped");
    case TailState::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

QString TailGap::describe() const {
    const QString name = QString::fromUtf8(stream);
    QString text;
    switch (kind) {
    case Kind::Exact:
        text = QStringLiteral("gap in %1: %2 after %3 were trimmed or deleted before they were "
                              "read")
                   .arg(name, entriesText(lost), lastSeenId.toString());
        break;
    case Kind::AtLeast:
        text = QStringLiteral("gap in %1: at least %2 after %3 were trimmed or deleted before "
                              "they were read")
                   .arg(name, entriesText(lost), lastSeenId.toString());
        break;
    case Kind::Possible:
        text = QStringLiteral("possibly a gap in %1: entries before %2 were trimmed or deleted, "
                              "and the server cannot tell whether any of them came after %3 "
                              "(if so, they were not read)")
                   .arg(name,
                        firstSurvivingId ? firstSurvivingId->toString()
                                         : QStringLiteral("its first entry"),
                        lastSeenId.toString());
        break;
    }
    if (firstSurvivingId)
        text += QStringLiteral("; continuing at %1").arg(firstSurvivingId->toString());
    return text;
}

QString TailReset::describe() const {
    if (lostInFailover)
        return QStringLiteral("%1 lost entries in a failover: %2; going on after %3 (nothing is "
                              "read twice)")
            .arg(QString::fromUtf8(stream), reason,
                 continuedAfter.isZero() ? QStringLiteral("the start") : continuedAfter.toString());
    return QStringLiteral("%1 was reset or replaced%2: %3; reading it again from its first "
                          "entry")
        .arg(QString::fromUtf8(stream),
             serverRestarted ? QStringLiteral(" (the server restarted: its run_id changed)")
                             : QString(),
             reason);
}

StreamTailer::StreamTailer(ConnectionSettings settings, Options options)
    : m_settings(std::move(settings))
    , m_options(options) {
    registerCoreMetaTypes();
    if (m_settings.clientName == QLatin1String("streamscope"))
        m_settings.clientName = QStringLiteral("streamscope-tail");
}

StreamTailer::StreamTailer(ConnectionSettings settings)
    : StreamTailer(std::move(settings), Options()) {}

StreamTailer::~StreamTailer() = default;

void StreamTailer::addStream(const QByteArray &stream, const QByteArray &from) {
    QMutexLocker lock(&m_mutex);
    m_changes.append({true, stream, from});
    if (m_blocking)
        m_interrupt = true; // a blocked XREAD would not see the new stream for blockMs
    m_wake.wakeAll();
}

void StreamTailer::removeStream(const QByteArray &stream) {
    QMutexLocker lock(&m_mutex);
    m_changes.append({false, stream, {}});
    if (m_blocking)
        m_interrupt = true;
    m_wake.wakeAll();
}

void StreamTailer::requestStop() {
    QMutexLocker lock(&m_mutex);
    m_stop = true;
    m_interrupt = true;
    m_wake.wakeAll();
}

void StreamTailer::applyChanges() {
    QList<Change> changes;
    {
        QMutexLocker lock(&m_mutex);
        changes.swap(m_changes);
    }
    for (const Change &c : changes) {
        auto it = std::find_if(m_streams.begin(), m_streams.end(),
                               [&](const Tracked &t) { return t.name == c.stream; });
        if (!c.add) {
            if (it != m_streams.end())
                m_streams.erase(it);
            continue;
        }
        if (it != m_streams.end())
            continue; // already tailed: keep its position
        Tracked t;
        t.name = c.stream;
        t.slot = cluster::keySlot(c.stream);
        if (c.from == "0" || c.from == "0-0") {
            t.lastId = {};
        } else if (auto id = StreamId::parse(c.from); id.ok()) {
            t.lastId = id.value();
            t.explicitStart = true;
        } else {
            t.resolveDollar = true;
        }
        m_streams.push_back(std::move(t));
        m_caughtUpEmitted = false;
    }
}

bool StreamTailer::sleepInterruptibly(int ms) {
    QMutexLocker lock(&m_mutex);
    if (!m_stop && m_changes.isEmpty())
        m_wake.wait(&m_mutex, QDeadlineTimer(ms));
    return !m_stop;
}

void StreamTailer::setState(TailState state, const QString &detail) {
    m_state = state;
    Q_EMIT stateChanged(state, detail);
}

int StreamTailer::blockMs() const {
    // A blocking XREAD costs the server about 0.6 ms per 1,000 keys to set up and as much to
    // end; with many streams at rest each read waits longer (at most 5 s). A read that blocks
    // has seen nothing new, so the rates it leaves unsent are zero.
    const qint64 wanted = qint64(m_streams.size()) * 5;
    return int(std::clamp<qint64>(wanted, m_options.blockMs, qMax(m_options.blockMs, 5000)));
}

Command StreamTailer::buildRead(bool block, const std::vector<size_t> &included) const {
    Command cmd{"XREAD", "COUNT", QByteArray::number(m_readCount)};
    if (block)
        cmd << "BLOCK" << QByteArray::number(blockMs());
    cmd << "STREAMS";
    for (size_t i : included)
        cmd << m_streams[i].name;
    for (size_t i : included) {
        const Tracked &t = m_streams[i];
        // "$" unresolved only when XINFO STREAM could not be read (its reply got us killed).
        cmd << (t.resolveDollar ? QByteArray("$") : t.lastId.toByteArray());
    }
    return cmd;
}

void StreamTailer::resetStream(Tracked &s, const QString &reason, bool serverRestarted) {
    // What was read of the old data leaves first, then the notice, then the new data.
    if (!s.held.isEmpty()) {
        m_stats.entries += s.held.size();
        Q_EMIT entriesReceived(s.held);
        s.held.clear();
    }
    TailReset reset;
    reset.stream = s.name;
    reset.lastSeenId = s.lastId;
    reset.reason = reason;
    reset.serverRestarted = serverRestarted;
    Q_EMIT streamReset(reset);
    s.skip = std::move(s.readSinceCheck);
    s.readSinceCheck.clear();
    s.skipThrough = s.lastId;
    s.lastId = {};
    s.lastPrint.reset();
    s.addedThrough.reset();
    s.reportedGapAt.reset();
    s.existed = false;
    s.explicitStart = false;
    s.resolveDollar = false;
    s.atEnd = false;
    m_caughtUpEmitted = false;
}

void StreamTailer::checkStream(Tracked &s, const RedisReply &reply, bool serverRestarted) {
    if (isMissingKey(reply)) {
        if (s.existed && !s.lastId.isZero())
            resetStream(s, QStringLiteral("the stream no longer exists"), serverRestarted);
        s.readSinceCheck.clear();
        // Not created yet (or deleted): from 0, everything it will hold is new to us.
        s.resolveDollar = false;
        if (s.lastId.isZero())
            s.addedThrough = 0;
        s.lastGenerated = {};
        s.lastLength = 0;
        s.readSinceLength = 0;
        s.lengthBeforeRead.reset();
        s.lagEntries = 0;
        s.lagMs = 0;
        return;
    }
    const auto info = StreamInfo::fromReply(s.name, reply);
    if (!info)
        return; // the caller removes streams whose XINFO failed
    const StreamId lastGenerated = info->lastGeneratedId;
    const std::optional<qint64> added = info->entriesAdded;

    // The data went backwards: not the stream we were reading. A consistent stream's last ID
    // and entries-added only grow.
    if (s.existed && lastGenerated < s.lastId)
        resetStream(s,
                    QStringLiteral("its last ID went back from %1 to %2")
                        .arg(s.lastId.toString(), lastGenerated.toString()),
                    serverRestarted);
    else if (added && s.addedThrough && *added < *s.addedThrough)
        resetStream(s,
                    QStringLiteral("its count of entries ever added went back from %1 to %2")
                        .arg(*s.addedThrough)
                        .arg(*added),
                    serverRestarted);
    else if (added && s.addedThrough && info->firstEntryId && *info->firstEntryId > s.lastId
             && *added - info->length < *s.addedThrough)
        // Everything it holds is after our position, yet fewer entries were ever removed
        // (entries-added minus length) than we read up to it.
        resetStream(s,
                    QStringLiteral("its first entry %1 comes after %2, but fewer than the %3 "
                                   "entries read up to there were ever removed from it")
                        .arg(info->firstEntryId->toString(), s.lastId.toString())
                        .arg(*s.addedThrough),
                    serverRestarted);
    s.readSinceCheck.clear(); // consistent now: what was read is the server's data
    s.lastGenerated = lastGenerated;
    s.firstAtCheck = info->firstEntryId;
    s.maxDeletedAtCheck = info->maxDeletedEntryId;
    s.lastLength = info->length;
    s.readSinceLength = 0;
    s.lengthBeforeRead.reset();

    if (s.resolveDollar) {
        s.resolveDollar = false;
        s.lastId = lastGenerated;
        s.addedThrough = added;
    } else if (added) {
        const bool caughtUp = s.lastId >= lastGenerated;
        // Are all surviving entries after our position? Then entries-added minus length is the
        // number of entries ever added up to just before the first survivor.
        const bool allAfter = !info->firstEntryId || *info->firstEntryId > s.lastId;
        if (s.addedThrough) {
            qint64 lost = 0;
            if (caughtUp)
                lost = *added - *s.addedThrough;
            else if (allAfter)
                lost = *added - info->length - *s.addedThrough;
            if (lost > 0)
                Q_EMIT gapDetected(TailGap{s.name, s.lastId,
                                           caughtUp ? std::nullopt : info->firstEntryId, lost,
                                           TailGap::Kind::Exact});
            if (caughtUp)
                s.addedThrough = *added;
            else if (allAfter)
                s.addedThrough = *added - info->length;
        } else if (caughtUp) {
            s.addedThrough = *added;
        } else if (allAfter) {
            // Started at a given ID older than the first entry, and entries were removed: some
            // after that ID may be among them, or none (the given ID was the last one removed).
            // Trimming does not move max-deleted-entry-id, so the server cannot count them; an
            // XDEL of an entry between our position and the first survivor proves one.
            if (s.explicitStart && s.received == 0 && !s.lastId.isZero() && *added > info->length) {
                const auto deleted = info->maxDeletedEntryId;
                const bool proven = deleted && *deleted > s.lastId
                                    && (!info->firstEntryId || *deleted < *info->firstEntryId);
                Q_EMIT gapDetected(
                    TailGap{s.name, s.lastId, info->firstEntryId, proven ? 1 : -1,
                            proven ? TailGap::Kind::AtLeast : TailGap::Kind::Possible});
            }
            s.addedThrough = *added - info->length;
        }
    } else if (info->firstEntryId && *info->firstEntryId > s.lastId && !s.lastId.isZero()
               && s.reportedGapAt != info->firstEntryId) {
        // Before 7.0 the server keeps no count: we can only tell that entries before the first
        // survivor are gone, not whether any of them came after our position.
        s.reportedGapAt = info->firstEntryId;
        Q_EMIT gapDetected(
            TailGap{s.name, s.lastId, info->firstEntryId, -1, TailGap::Kind::Possible});
    }
    if (lastGenerated >= s.lastId)
        s.existed = true;

    s.lagEntries = added && s.addedThrough ? qMax<qint64>(0, *added - *s.addedThrough) : -1;
    s.lagMs = lastGenerated > s.lastId && lastGenerated.ms > s.lastId.ms
                  ? qint64(lastGenerated.ms - s.lastId.ms)
                  : 0;
}

Error StreamTailer::verifyLastEntries(RedisClient &connection,
                                      const std::vector<size_t> &restarted) {
    // Only where the entry must still be there: not trimmed (first entry at or before it), not
    // deleted (max-deleted-entry-id before it; servers before 7.0 do not say, so not checked).
    std::vector<size_t> which;
    QList<Command> ranges;
    for (size_t i : restarted) {
        const Tracked &t = m_streams[i];
        if (!t.existed || !t.lastPrint || t.lastId.isZero() || !t.firstAtCheck
            || *t.firstAtCheck > t.lastId || !t.maxDeletedAtCheck
            || *t.maxDeletedAtCheck >= t.lastId)
            continue;
        which.push_back(i);
        const QByteArray id = t.lastId.toByteArray();
        ranges.append(Command{"XRANGE", t.name, id, id});
    }
    if (ranges.isEmpty())
        return {};
    auto replies = connection.pipeline(ranges);
    if (!replies.ok())
        return replies.error();
    for (size_t k = 0; k < which.size(); ++k) {
        Tracked &t = m_streams[which[k]];
        const RedisReply &reply = replies.value()[k];
        if (!reply.isArray())
            continue;
        if (reply.size() == 0) {
            resetStream(t,
                        QStringLiteral("the entry %1 read before is gone, yet it was neither "
                                       "trimmed nor deleted")
                            .arg(t.lastId.toString()),
                        true);
            continue;
        }
        const RedisReply &entry = reply.at(0);
        if (entry.size() < 2 || !entry.at(1).isArray())
            continue;
        QList<QByteArray> fields;
        for (const RedisReply &f : entry.at(1).elements())
            fields.append(f.bytes());
        if (fingerprint(StreamEntry::make(t.name, t.lastId, fields)) != *t.lastPrint)
            resetStream(t,
                        QStringLiteral("the entry %1 holds other data than was read before")
                            .arg(t.lastId.toString()),
                        true);
    }
    return {};
}

QString StreamTailer::nodeOf(const Tracked &t) const {
    return m_cluster ? m_cluster->endpointForSlot(t.slot) : m_settings.endpoint();
}

std::vector<std::vector<size_t>>
StreamTailer::slotGroups(const std::vector<size_t> &included) const {
    if (!m_cluster)
        return {included};
    // Ordered by node, so that one node's reads follow one another.
    std::map<std::pair<QString, int>, std::vector<size_t>> bySlot;
    for (size_t i : included)
        bySlot[{nodeOf(m_streams[i]), m_streams[i].slot}].push_back(i);
    std::vector<std::vector<size_t>> groups;
    for (auto &[key, group] : bySlot)
        groups.push_back(std::move(group));
    return groups;
}

void StreamTailer::noticeTopology() {
    if (!m_cluster || m_cluster->topologyVersion() == m_topologyVersion)
        return;
    m_topologyVersion = m_cluster->topologyVersion();
    QMap<QPair<QString, QString>, QList<QByteArray>> moves; // (from, to): streams
    QMap<QPair<QString, QString>, QSet<int>> movedSlots;    // ... and their slots
    for (Tracked &t : m_streams) {
        const QString now = nodeOf(t);
        if (t.node.isEmpty() || now.isEmpty() || now == t.node)
            continue;
        if (t.movedFrom.isEmpty()) {
            // The new node must hold what was read up to here (the read under way, if any,
            // asked from here too).
            t.movedFrom = t.node;
            t.movedAt = t.lastId;
            t.movedPrint = t.lastPrint;
            t.movedVerifiable = t.existed && !t.resolveDollar && !t.lastId.isZero();
        }
        moves[{t.node, now}].append(t.name);
        movedSlots[{t.node, now}].insert(t.slot);
        t.node = now;
        t.checkNow = true;
    }
    // A failover when the new node was the old one's replica (the map before says so: the
    // one after may still be half-learnt from a node that has not heard of it all), or when
    // the old node serves no slot any more; else the slots were migrated.
    const QList<RedisClient::Node> before = std::exchange(m_knownNodes, m_cluster->nodes());
    auto nodeIn = [](const QList<RedisClient::Node> &list, const QString &endpoint) {
        for (const RedisClient::Node &n : list)
            if (n.endpoint == endpoint)
                return n;
        return RedisClient::Node{};
    };
    for (auto it = moves.cbegin(); it != moves.cend(); ++it) {
        const auto &[from, to] = it.key();
        const RedisClient::Node old = nodeIn(before, from);
        const RedisClient::Node now = nodeIn(m_knownNodes, from);
        const bool failover = (!old.id.isEmpty() && nodeIn(before, to).primaryId == old.id)
                              || !now.primary || now.slotRanges.isEmpty();
        // The slots the failed node served, as far as known.
        const QList<QPair<int, int>> slots =
            old.slotRanges.isEmpty() ? nodeIn(m_knownNodes, to).slotRanges : old.slotRanges;
        QStringList names;
        for (const QByteArray &name : it.value())
            names << QString::fromUtf8(name);
        const QString streams = QStringLiteral("%1 %2").arg(
            names.size() == 1 ? QStringLiteral("stream") : QStringLiteral("streams"),
            names.join(QStringLiteral(", ")));
        if (failover)
            Q_EMIT topologyChanged(
                QStringLiteral("%1 failed over: slots %2 now served by %3; the tail of %4 goes "
                               "on from the last entry read")
                    .arg(from, ClusterClient::slotRangesText(slots), to, streams));
        else
            Q_EMIT topologyChanged(
                QStringLiteral("%1 %2 of %3 moved from %4 to %5; the tail goes on from the "
                               "last entry read")
                    .arg(movedSlots.value(it.key()).size() == 1 ? QStringLiteral("slot")
                                                                : QStringLiteral("slots"),
                         slotList(movedSlots.value(it.key())), streams, from, to));
    }
}

void StreamTailer::checkMoved(Tracked &t, const RedisReply &newest) {
    const QString from = t.movedFrom;
    // Standalone through Sentinel, the stream's node is the deployment: name the new primary.
    const QString to = m_cluster ? t.node : m_connection->nodes().value(0).endpoint;
    t.movedFrom.clear();
    if (!t.movedVerifiable || !newest.isArray())
        return;
    // The newest entry at or before the position read from the old node.
    std::optional<StreamId> held;
    std::optional<quint64> print;
    if (newest.size() > 0 && newest.at(0).size() >= 2 && newest.at(0).at(1).isArray()) {
        const RedisReply &entry = newest.at(0);
        if (auto id = StreamId::parse(entry.at(0).bytes()); id.ok()) {
            held = id.value();
            QList<QByteArray> fields;
            for (const RedisReply &f : entry.at(1).elements())
                fields.append(f.bytes());
            print = fingerprint(StreamEntry::make(t.name, *held, fields));
        }
    }
    if (held && *held == t.movedAt) {
        if (t.movedPrint && print != t.movedPrint)
            resetStream(t,
                        QStringLiteral("after %1 failed over to %2, the entry %3 holds other data "
                                       "than was read before")
                            .arg(from, to, t.movedAt.toString()),
                        false);
        return; // the new primary has all that was read: go on
    }
    // A primary killed before it replicated them: the entries after held up to movedAt were
    // read (and acknowledged to their writers) but the cluster no longer has them.
    TailReset lost;
    lost.stream = t.name;
    lost.lastSeenId = t.movedAt;
    lost.reason =
        held ? QStringLiteral("%1 failed over to %2, which holds the entries only up to %3: those "
                              "after it up to %4, read from %1, were never replicated and are "
                              "gone")
                   .arg(from, to, held->toString(), t.movedAt.toString())
             : QStringLiteral("%1 failed over to %2, which holds none of the entries up to %3 "
                              "read from %1: they were never replicated and are gone")
                   .arg(from, to, t.movedAt.toString());
    lost.lostInFailover = true;
    lost.continuedAfter = held.value_or(StreamId{});
    Q_EMIT streamReset(lost);
    if (t.lastId == t.movedAt) {
        // Entries the new primary adds may get IDs between the two: read them.
        t.lastId = lost.continuedAfter;
        t.lastPrint = print;
    }
    t.addedThrough.reset(); // counted on the old primary: learnt again at the next check
    t.readSinceCheck.clear();
}

void StreamTailer::handleBatch(StreamEntryList &&batch, const std::vector<size_t> &included,
                               int count) {
    for (size_t i : included)
        m_streams[i].atEnd = true; // a stream missing from the reply had nothing more
    // The batch holds each stream's entries together, in reply order.
    qsizetype begin = 0;
    while (begin < batch.size()) {
        const QByteArray name = batch.at(begin).stream;
        qsizetype end = begin + 1;
        while (end < batch.size() && batch.at(end).stream == name)
            ++end;
        const qsizetype n = end - begin;
        auto it = std::find_if(m_streams.begin(), m_streams.end(),
                               [&](const Tracked &t) { return t.name == name; });
        if (it != m_streams.end()) {
            Tracked &t = *it;
            // Fingerprints only where they are needed (they cost a hash of every field): for
            // entries remembered until the next check, those that a reset may skip, and the
            // last one kept.
            qsizetype lastKept = -1;
            // The whole batch, nothing to skip, nothing held: held shares the batch's list.
            const bool whole =
                t.held.isEmpty() && !t.skipThrough && begin == 0 && end == batch.size();
            for (qsizetype k = begin; k < end; ++k) {
                const StreamEntry &e = batch.at(k);
                std::optional<quint64> print;
                if (t.skipThrough) {
                    if (e.id <= *t.skipThrough && t.skip.contains(*(print = fingerprint(e))))
                        continue; // read before the reset, and the same in the new data
                    if (e.id > *t.skipThrough) {
                        t.skip.clear();
                        t.skipThrough.reset();
                    }
                }
                lastKept = k;
                if (t.readSinceCheck.size() < maxUnverified)
                    t.readSinceCheck.insert(print ? *print : fingerprint(e));
                else
                    t.checkSoon = true;
                if (!whole)
                    t.held.append(e);
                ++t.received;
            }
            if (whole)
                t.held = batch;
            if (lastKept >= 0)
                t.lastPrint = fingerprint(batch.at(lastKept));
            t.readSinceLength += n;
            t.lastId = batch.at(end - 1).id;
            t.resolveDollar = false;
            t.existed = true;
            if (t.addedThrough)
                *t.addedThrough += n;
            t.atEnd = n < count;
            if (t.atEnd) {
                t.lagEntries = 0;
                t.lagMs = 0;
            } else {
                // Behind: the server may trim entries before we reach them.
                t.checkSoon = true;
                if (t.lagEntries > 0)
                    t.lagEntries = qMax<qint64>(0, t.lagEntries - n);
                t.lagMs =
                    t.lastGenerated.ms > t.lastId.ms ? qint64(t.lastGenerated.ms - t.lastId.ms) : 0;
            }
        }
        begin = end;
    }
    for (size_t i : included) {
        Tracked &t = m_streams[i];
        if (t.lengthBeforeRead) {
            // This read came right after XLEN. Entries added since the previous XLEN have IDs
            // after our position then, so the reads since have got them all (when this one
            // reached the end): more growth than that means entries appeared below our
            // position, which a stream that did not go back cannot hold. A drop means entries
            // were removed: trimmed (a possible gap) or the data replaced.
            const qint64 length = *t.lengthBeforeRead;
            qint64 readNow = 0;
            for (const StreamEntry &e : batch)
                readNow += e.stream == t.name ? 1 : 0;
            if (t.lastLength && t.atEnd && length - *t.lastLength > t.readSinceLength)
                t.checkNow = true;
            else if (t.lastLength && length < *t.lastLength)
                t.checkSoon = true;
            t.lastLength = length;
            t.readSinceLength = readNow; // this read came after that XLEN
            t.lengthBeforeRead.reset();
        }
        if (t.atEnd && t.skipThrough) {
            t.skip.clear(); // the new data holds nothing more up to the old position
            t.skipThrough.reset();
        }
    }
    ++m_stats.batches;
}

void StreamTailer::releaseHeld() {
    // Streams with a backlog will still deliver entries after their position: nothing newer
    // than the smallest such position may leave yet. Streams at their end get only new entries.
    bool backlog = false;
    StreamId bound{std::numeric_limits<quint64>::max(), std::numeric_limits<quint64>::max()};
    for (const Tracked &t : m_streams) {
        if (!t.atEnd) {
            backlog = true;
            bound = qMin(bound, t.lastId);
        }
    }
    // Reads of several cluster nodes are no snapshot: an entry added to a node just after its
    // read this round may be older than one another node gave later in the round. Its ID
    // cannot be older than the round's start, so what is older than that leaves now, the rest
    // after the next round (IDs in the future, given by hand, do not wait).
    const quint64 futureMs = quint64(nowMs() + m_clockOffsetMax + 1000);
    auto releasable = [&](const StreamId &id) {
        if (backlog && id > bound)
            return false;
        return !m_watermark || id <= *m_watermark || id.ms > futureMs;
    };
    std::vector<StreamEntryList> runs; // per stream, in ID order, moved out of held
    qsizetype total = 0;
    for (Tracked &t : m_streams) {
        qsizetype n = 0;
        while (n < t.held.size() && releasable(t.held.at(n).id))
            ++n;
        if (n == 0)
            continue;
        total += n;
        if (n == t.held.size()) {
            runs.push_back(std::exchange(t.held, {}));
            continue;
        }
        StreamEntryList run;
        run.reserve(n);
        for (qsizetype k = 0; k < n; ++k)
            run.append(std::move(t.held[k]));
        t.held.remove(0, n);
        runs.push_back(std::move(run));
    }
    StreamEntryList out;
    if (runs.size() == 1) {
        out = std::move(runs.front());
    } else if (!runs.empty()) {
        // One timeline of the streams' runs: a merge (equal IDs in the streams' order), each
        // entry moved once.
        out.reserve(total);
        std::vector<qsizetype> next(runs.size(), 0);
        std::vector<size_t> heap(runs.size());
        for (size_t r = 0; r < runs.size(); ++r)
            heap[r] = r;
        auto later = [&](size_t a, size_t b) { // the heap's top is the earliest head
            const StreamId &x = runs[a].at(next[a]).id;
            const StreamId &y = runs[b].at(next[b]).id;
            return y < x || (!(x < y) && a > b);
        };
        std::make_heap(heap.begin(), heap.end(), later);
        while (!heap.empty()) {
            std::pop_heap(heap.begin(), heap.end(), later);
            const size_t r = heap.back();
            out.append(std::move(runs[r][next[r]++]));
            if (next[r] < runs[r].size())
                std::push_heap(heap.begin(), heap.end(), later);
            else
                heap.pop_back();
        }
    }
    if (!out.isEmpty()) {
        m_stats.entries += out.size();
        Q_EMIT entriesReceived(out);
    }
    const bool done = std::all_of(m_streams.begin(), m_streams.end(),
                                  [](const Tracked &t) { return t.atEnd && t.held.isEmpty(); });
    if (done && !m_caughtUpEmitted) {
        m_caughtUpEmitted = true;
        Q_EMIT caughtUp();
    }
}

bool StreamTailer::pauseWhenIdle(bool received, int groups) {
    if (!std::all_of(m_streams.begin(), m_streams.end(),
                     [](const Tracked &t) { return t.atEnd; })) {
        m_idlePauseMs = 0; // catching up: the next round at once
        return true;
    }
    // A short pause that grows while nothing comes: new entries wait at most this long, and
    // at rest the nodes get a few cheap reads a second.
    // With many slots a round costs each node more: it comes a little less often (an XADD to
    // the screen stays under 250 ms: the pause, the round, the wait for time order, the view).
    const int cap = std::clamp(groups / 5, m_options.idlePollMs, qMax(m_options.idlePollMs, 150));
    if (received)
        m_idlePauseMs = 0;
    else
        m_idlePauseMs = m_idlePauseMs == 0 ? qMin(10, cap) : qMin(m_idlePauseMs * 2, cap);
    int pause = m_idlePauseMs;
    // Entries waiting for the next round (time order across nodes): it comes once a round
    // started after them can let them go, not later than the pause.
    std::optional<quint64> oldestHeld;
    for (const Tracked &t : m_streams)
        if (!t.held.isEmpty())
            oldestHeld = qMin(oldestHeld.value_or(t.held.first().id.ms), t.held.first().id.ms);
    if (oldestHeld) {
        const qint64 due =
            qint64(*oldestHeld) - m_clockOffsetMin + m_options.clockSkewMs + 1 - nowMs();
        pause = int(std::clamp<qint64>(due, 1, pause > 0 ? pause : cap));
    }
    if (pause <= 0)
        return true;
    maybeEmitStats(false);
    return sleepInterruptibly(pause);
}

Result<QSet<QString>> StreamTailer::nodesToRead(RedisClient &connection, const QSet<QString> &nodes,
                                                bool full) {
    // A node (re)connected or the map changed: what was known of the nodes may not hold.
    const std::pair<qint64, qint64> epoch{m_cluster->topologyVersion(),
                                          m_cluster->connectionsOpened()};
    if (epoch != m_changesEpoch) {
        m_nodeChanges.clear();
        m_changesRefused.clear();
        m_changesEpoch = epoch;
    }
    // Now and then every node is read whatever it says: a change it did not show (a counter
    // that came back to the same value) costs latency, never entries.
    full = full || nowMs() - m_lastFullRoundAt >= m_options.fullRoundMs;
    QSet<QString> out;
    for (const QString &node : nodes) {
        if (node.isEmpty() || m_changesRefused.contains(node)) {
            out.insert(node); // read every round, as without the detector
            continue;
        }
        auto info = connection.commandOn(node, {"INFO", "persistence"});
        if (!info.ok())
            return info.error();
        const QByteArray mark = changeMarkOf(info.value());
        if (mark.isEmpty()) {
            m_changesRefused.insert(node); // e.g. an ACL without INFO: not asked again
            out.insert(node);
            continue;
        }
        // Taken before this round's read of the node: equal next time means no write since.
        if (full || m_nodeChanges.value(node) != mark)
            out.insert(node);
        m_nodeChanges.insert(node, mark);
    }
    return out;
}

void StreamTailer::maybeEmitStats(bool force) {
    const qint64 now = nowMs();
    const qint64 elapsed = now - m_lastStatsAt;
    if (!force && elapsed < m_options.statsIntervalMs)
        return;
    if (m_connection)
        m_stats.bytes = m_connection->bytesReceived();
    m_stats.count = m_readCount;
    if (elapsed > 0) {
        m_stats.entriesPerSecond =
            double(m_stats.entries - m_entriesAtLastStats) * 1000.0 / elapsed;
        m_stats.bytesPerSecond = double(m_stats.bytes - m_bytesAtLastStats) * 1000.0 / elapsed;
    }
    m_lastStatsAt = now;
    m_entriesAtLastStats = m_stats.entries;
    m_bytesAtLastStats = m_stats.bytes;
    m_stats.streams.clear();
    for (const Tracked &t : m_streams)
        m_stats.streams.append({t.name, t.lastId, t.received, t.lagEntries, t.lagMs, t.atEnd});
    Q_EMIT statsUpdated(m_stats);
}

void StreamTailer::run() {
    AutoClient connection(m_settings);
    connection.setCancelFlag(&m_interrupt);
    m_connection = &connection;
    m_stats = {};
    m_lastStatsAt = nowMs();
    m_entriesAtLastStats = m_bytesAtLastStats = 0;
    m_count = qMax(1, m_options.count);
    m_readCount = m_count;
    m_catchUpCap = qMax(m_count, m_options.catchUpCount);
    m_countShrunkAt = 0;
    m_growAfterMs = m_options.growCountAfterMs;
    m_nodeRunIds.clear();
    m_cluster = nullptr;
    m_topologyVersion = m_connectionsOpened = -1;
    m_idlePauseMs = 0;
    m_nodeChanges.clear();
    m_changesRefused.clear();
    m_changesEpoch = {-1, -1};
    m_lastFullRoundAt = 0;
    m_watermark.reset();
    m_clockOffsets.clear();
    m_clockOffsetMin = m_clockOffsetMax = 0;

    int backoff = m_options.initialBackoffMs;
    bool everConnected = false;
    bool quietReconnect = false; // the last close was ours (a stream was added mid-BLOCK)
    bool connectCheck = true;    // INFO server goes with the next check
    bool grewSinceShrink = false;
    int checkLosses = 0;      // connections lost in a row under XINFO STREAM
    qint64 skipInfoUntil = 0; // XINFO STREAM replies seemed to get us killed: not before
    qint64 lastCheckAt = 0;
    qint64 lastLengthCheckAt = nowMs();
    int serverErrors = 0;

    // The connection broke under a command. Unless we closed it ourselves, wait as after a
    // failed connect (a server that kills us right after connecting is not hammered), and say
    // why. False when asked to stop.
    // The batch size before a loss under a read shrank it: restored when the reconnect finds
    // nobody there (the server went away; its output buffer limit was not the cause).
    int countBeforeLoss = 0;
    int capBeforeLoss = 0;
    auto lost = [&](const Error &error, bool underRead) {
        const int readCount = m_readCount; // more than m_count: a read grown while catching up
        m_readCount = m_count;
        if (retryCannotHelp(error)) { // a cluster node (re)opened under a command
            setState(TailState::Failed, error.message);
            Q_EMIT failed(error);
            return false;
        }
        if (error.kind == Error::Kind::Cancelled) {
            if (!m_cluster) {
                quietReconnect = true; // the connection closed: the next loop reopens it
            } else {
                // Only that node's connection closed, and the cluster client reopens it on
                // the next command (which then counts as a new connection: checked again).
                QMutexLocker lock(&m_mutex);
                m_interrupt = m_stop.load();
            }
            return !m_stop;
        }
        QString why = error.message;
        // Through SSH, a lost tunnel closes every connection in it: that is not the server
        // refusing a big reply, so the batches stay as they are.
        const QString tunnelLost = m_settings.viaSsh() && error.kind == Error::Kind::Io
                                       ? sshTunnelLost(m_settings.ssh)
                                       : QString();
        if (!tunnelLost.isEmpty()) {
            why = tunnelLost;
        } else if (underRead && (error.kind == Error::Kind::Io || ReplyParser::isTooLarge(error))) {
            // Replies too big for the server's client-output-buffer-limit end like this: the
            // server closes the connection instead of answering (or the reply passed our
            // max-reply). Smaller batches may pass.
            const QString cause =
                error.kind == Error::Kind::Io
                    ? QStringLiteral("the server closed the connection: possibly "
                                     "client-output-buffer-limit (or the server went away)")
                    : error.message.section(QLatin1Char(';'), 0, 0);
            if (readCount > m_count || m_count > 1) {
                if (readCount > m_count) {
                    // A read grown while catching up: the size read before it grew stays,
                    // and catching up grows at most to a quarter of what got us killed.
                    capBeforeLoss = m_catchUpCap;
                    m_catchUpCap = qMax(m_count, readCount / 4);
                } else {
                    countBeforeLoss = m_count;
                    m_count = qMax(1, m_count / 4);
                }
                m_countShrunkAt = nowMs();
                if (grewSinceShrink)
                    m_growAfterMs = qMin(m_growAfterMs * 2, maxGrowAfterMs);
                grewSinceShrink = false;
                why = QStringLiteral("%1; reading smaller batches (COUNT %2, was %3)")
                          .arg(cause)
                          .arg(m_count)
                          .arg(readCount);
            } else if (error.kind == Error::Kind::Io) {
                why = QStringLiteral("the server closed the connection while sending one entry: "
                                     "possibly client-output-buffer-limit is smaller than an "
                                     "entry, or CLIENT KILL");
            }
        } else if (error.kind == Error::Kind::Io) {
            why = QStringLiteral("the server closed the connection (%1): possibly CLIENT KILL or "
                                 "client-output-buffer-limit")
                      .arg(error.message);
        }
        setState(TailState::Reconnecting,
                 QStringLiteral("%1; retrying in %2").arg(why, formatDuration(backoff)));
        maybeEmitStats(false);
        if (!sleepInterruptibly(backoff))
            return false;
        backoff = qMin(backoff * 2, m_options.maxBackoffMs);
        return true;
    };

    // Through Sentinel the client moves to the new primary by itself (failovers() grows): as
    // for a stream moved to another cluster node, the new primary must hold what was read up to
    // here (checkMoved: what it lacks is reported lost, nothing is read twice), and its run_id
    // is taken anew, so that the move is not mistaken for a restart.
    SentinelClient *sentinel = nullptr;
    qint64 failoversSeen = 0;
    auto noticeFailover = [&] {
        if (!sentinel || sentinel->failovers() == failoversSeen)
            return false;
        failoversSeen = sentinel->failovers();
        for (Tracked &t : m_streams) {
            if (t.movedFrom.isEmpty()) {
                t.movedFrom = sentinel->previousPrimary();
                t.movedAt = t.lastId;
                t.movedPrint = t.lastPrint;
                t.movedVerifiable = t.existed && !t.resolveDollar && !t.lastId.isZero();
            }
            t.checkNow = true;
        }
        connectCheck = true;
        Q_EMIT topologyChanged(QStringLiteral("the primary of %1 failed over from %2 to %3; the "
                                              "tail goes on from the last entry read")
                                   .arg(m_settings.sentinel.masterName, sentinel->previousPrimary(),
                                        sentinel->primaryEndpoint()));
        return true;
    };

    // How often a stream is checked at rest (XINFO STREAM).
    auto routineInterval = [&](const Tracked &t) {
        return std::max<qint64>(
            {m_options.checkIntervalMs, t.infoBytes * 1000 / qMax(1, m_options.checkBytesPerSecond),
             qint64(m_streams.size()) * 1000 / qMax(1, m_options.routineChecksPerSecond)});
    };

    // Catching up on one server: the XREAD that would follow a reply, when it can leave before
    // the reply is parsed (read-ahead). Only when the loop would send exactly that next: every
    // stream got a full page (so none is at its end and none blocks), nothing is held back for
    // time order (so every stream is read again, and at most two pages wait per stream), COUNT
    // is as configured, no stream was added or removed, and no check (XINFO STREAM, XLEN) is
    // due. Its positions are the last IDs of the reply, scanned without parsing it, as
    // handleBatch will set them: each read starts where the one before ended. sent: the COUNT
    // of the scanned reply's read. The next one asks for twice as many while the reply was
    // small enough (at most catchUpReplyBytes / 2), up to m_catchUpCap, and for half as many
    // (not below m_count) when it was bigger than catchUpReplyBytes; m_readCount is set to it.
    auto aheadRead = [&](const ReplyParser::EntriesScan &scan, const std::vector<size_t> &group,
                         qint64 lengthInterval, int sent) -> std::optional<Command> {
        if (!scan.entries || scan.runs.size() != group.size() || group.size() != m_streams.size()
            || m_count != m_options.count)
            return std::nullopt;
        {
            QMutexLocker lock(&m_mutex);
            if (!m_changes.isEmpty() || m_stop)
                return std::nullopt;
        }
        const qint64 at = nowMs();
        if (at - lastLengthCheckAt >= lengthInterval)
            return std::nullopt;
        // After this full page each stream is behind (checkSoon): a check comes at the next
        // statsIntervalMs.
        const bool checks = at >= skipInfoUntil;
        if (checks && (connectCheck || at - lastCheckAt >= m_options.statsIntervalMs))
            return std::nullopt;
        Command ids;
        for (size_t i : group) {
            const Tracked &t = m_streams[i];
            if (!t.held.isEmpty() || !t.movedFrom.isEmpty()
                || (checks && (t.checkNow || at - t.checkedAt >= routineInterval(t))))
                return std::nullopt;
            auto run = std::find_if(scan.runs.begin(), scan.runs.end(),
                                    [&](const auto &r) { return r.stream == t.name; });
            if (run == scan.runs.end() || run->entries != sent || run->lastId.isEmpty())
                return std::nullopt;
            ids << run->lastId;
        }
        if (scan.bytes * 2 <= m_options.catchUpReplyBytes)
            m_readCount = int(qMin<qint64>(m_catchUpCap, qint64(sent) * 2));
        else if (scan.bytes > m_options.catchUpReplyBytes)
            m_readCount = qMax(m_count, sent / 2);
        Command cmd{"XREAD", "COUNT", QByteArray::number(m_readCount), "STREAMS"};
        for (size_t i : group)
            cmd << m_streams[i].name;
        return cmd + ids;
    };

    while (!m_stop && !(m_options.stopWhenCaughtUp && m_caughtUpEmitted)) {
        m_readCount = m_count; // grows again in the next run of reads ahead
        const qsizetype streamsBefore = qsizetype(m_streams.size());
        applyChanges();
        if (qsizetype(m_streams.size()) != streamsBefore)
            maybeEmitStats(true); // the figures list what is tailed now

        if (!connection.isOpen()) {
            {
                QMutexLocker lock(&m_mutex);
                m_interrupt = m_stop.load();
            }
            if (!quietReconnect)
                setState(everConnected ? TailState::Reconnecting : TailState::Connecting,
                         QStringLiteral("connecting to %1").arg(m_settings.endpoint()));
            const Error error = connection.open();
            if (error && countBeforeLoss
                && (error.kind == Error::Kind::Connect || error.kind == Error::Kind::Timeout)) {
                m_count = countBeforeLoss; // the server is gone, not refusing big replies
                countBeforeLoss = 0;
            }
            if (error && capBeforeLoss
                && (error.kind == Error::Kind::Connect || error.kind == Error::Kind::Timeout)) {
                m_catchUpCap = capBeforeLoss;
                capBeforeLoss = 0;
            }
            if (!error)
                countBeforeLoss = capBeforeLoss = 0;
            if (error) {
                if (m_stop)
                    break;
                // A connect refused before anything was asked (a sentinel's port as a server, a
                // master the sentinels do not know) is as final as a certificate.
                if ((!everConnected && !m_options.retryInitialConnect) || retryCannotHelp(error)
                    || error.kind == Error::Kind::InvalidArgument) {
                    setState(TailState::Failed, error.message);
                    Q_EMIT failed(error);
                    break;
                }
                quietReconnect = false;
                setState(TailState::Reconnecting, QStringLiteral("%1; retrying in %2")
                                                      .arg(error.message, formatDuration(backoff)));
                maybeEmitStats(false);
                if (!sleepInterruptibly(backoff))
                    break;
                backoff = qMin(backoff * 2, m_options.maxBackoffMs);
                continue;
            }
            if (everConnected && !quietReconnect)
                ++m_stats.reconnects;
            if (!quietReconnect)
                setState(TailState::Live, m_settings.endpoint());
            everConnected = true;
            quietReconnect = false;
            m_cluster = dynamic_cast<ClusterClient *>(connection.chosen());
            if (!sentinel && (sentinel = dynamic_cast<SentinelClient *>(connection.chosen())))
                failoversSeen = sentinel->failovers();
            noticeFailover(); // reconnected to another primary
            if (m_cluster) {
                m_topologyVersion = m_cluster->topologyVersion();
                m_knownNodes = m_cluster->nodes();
                m_connectionsOpened = m_cluster->connectionsOpened();
            }
            // The backoff is reset by a read that succeeds, not by the connect: a server that
            // closes the connection right after accepting it must not be retried at once.
            connectCheck = true;
            for (Tracked &t : m_streams)
                t.checkNow = true;
        }

        if (m_streams.empty()) {
            maybeEmitStats(false);
            sleepInterruptibly(m_options.blockMs);
            continue;
        }
        if (m_cluster) {
            noticeTopology();
            // A node connection (re)opened under the cluster client is a connect of its own:
            // that server may have restarted (run_id) or be another one.
            if (m_cluster->connectionsOpened() != m_connectionsOpened) {
                m_connectionsOpened = m_cluster->connectionsOpened();
                connectCheck = true;
                for (Tracked &t : m_streams)
                    t.checkNow = true;
            }
        }

        // XINFO STREAM returns the first and last entries whole: only on (re)connect, for a
        // new stream, when a stream is behind (at most once per statsIntervalMs), or rarely.
        const qint64 now = nowMs();
        const bool soonAllowed = now - lastCheckAt >= m_options.statsIntervalMs;
        std::vector<size_t> toCheck;
        for (size_t i = 0; i < m_streams.size(); ++i) {
            const Tracked &t = m_streams[i];
            if (t.checkNow || now - t.checkedAt >= routineInterval(t)
                || (t.checkSoon && soonAllowed))
                toCheck.push_back(i);
        }
        const bool infoTooBig = now < skipInfoUntil;
        if (infoTooBig && !connectCheck)
            toCheck.clear();
        std::vector<size_t> moved;
        for (size_t i = 0; i < m_streams.size(); ++i)
            if (!m_streams[i].movedFrom.isEmpty())
                moved.push_back(i);
        if (!toCheck.empty() || connectCheck || !moved.empty()) {
            const qint64 versionBefore = m_cluster ? m_cluster->topologyVersion() : 0;
            if (connectCheck)
                m_nodeRunIds.clear();
            QList<Command> commands;
            if (connectCheck && !m_cluster)
                commands.append(Command{"INFO", "server"});
            if (m_cluster) {
                // INFO is keyless: ask each node that serves a stream being checked, once per
                // connection to it (the cluster client would refuse to pick one).
                QStringList nodes;
                for (size_t i : toCheck)
                    nodes << nodeOf(m_streams[i]);
                for (size_t i : moved)
                    nodes << nodeOf(m_streams[i]);
                nodes.removeDuplicates();
                Error failure;
                for (const QString &node : nodes) {
                    if (node.isEmpty() || m_nodeRunIds.contains(node))
                        continue;
                    const qint64 sentAt = nowMs();
                    auto info = connection.commandOn(node, {"INFO", "server"});
                    if (!info.ok()) {
                        failure = info.error();
                        break;
                    }
                    m_nodeRunIds.insert(node, runIdOf(info.value()));
                    // Its clock against ours (7.0+), for time order across nodes.
                    bool known = false;
                    const qint64 micros =
                        infoField(info.value(), "server_time_usec").toLongLong(&known);
                    if (known)
                        m_clockOffsets.insert(node, micros / 1000 - (sentAt + nowMs()) / 2);
                }
                // Over the nodes read from (one that does not say: taken as ours).
                bool first = true;
                for (auto it = m_nodeRunIds.cbegin(); it != m_nodeRunIds.cend(); ++it) {
                    const qint64 offset = m_clockOffsets.value(it.key(), 0);
                    m_clockOffsetMin = first ? offset : qMin(m_clockOffsetMin, offset);
                    m_clockOffsetMax = first ? offset : qMax(m_clockOffsetMax, offset);
                    first = false;
                }
                if (failure) {
                    if (!lost(failure, false))
                        break;
                    continue;
                }
            }
            for (size_t i : moved) {
                const Tracked &t = m_streams[i];
                const QByteArray at = t.movedAt.toByteArray();
                commands.append(Command{"XREVRANGE", t.name, at, "-", "COUNT", "1"});
            }
            if (!infoTooBig)
                for (size_t i : toCheck)
                    commands.append(Command{"XINFO", "STREAM", m_streams[i].name});
            auto replies = commands.isEmpty()
                               ? Result<std::vector<RedisReply>>(std::vector<RedisReply>())
                               : connection.pipeline(commands);
            if (!replies.ok()) {
                if (replies.error().kind == Error::Kind::Io && ++checkLosses >= 3) {
                    // Its replies (with the first and last entries whole) may be what gets us
                    // killed: read on without them for a while rather than not at all.
                    checkLosses = 0;
                    skipInfoUntil = nowMs() + infoPauseMs;
                    Q_EMIT streamFailed(
                        {}, QStringLiteral("the connection ended under XINFO STREAM three times "
                                           "(possibly client-output-buffer-limit, as it returns "
                                           "the first and last entries whole): gaps and resets "
                                           "are not checked for 5 minutes"));
                }
                if (!lost(replies.error(), false))
                    break;
                continue;
            }
            checkLosses = 0;
            if (noticeFailover())
                continue; // the replies may come from the new primary: check it from the start
            if (m_cluster && m_cluster->topologyVersion() != versionBefore) {
                // The map changed under the check (a failover): some replies may come from a
                // stream's new node, which must first be shown to hold what was read there
                // (checkMoved). Note the moves and check again, in that order.
                noticeTopology();
                continue;
            }
            size_t r = 0;
            if (connectCheck && !m_cluster)
                m_nodeRunIds.insert(m_settings.endpoint(), runIdOf(replies.value()[r++]));
            connectCheck = false;
            for (size_t i : moved) {
                Tracked &t = m_streams[i];
                checkMoved(t, replies.value()[r++]);
                // Another server by design: what it holds was just checked, not a restart.
                t.runId = m_nodeRunIds.value(t.node);
            }
            // The node serving it now has another run_id than when it was last checked there.
            auto restartedAt = [&](const Tracked &t) {
                const QByteArray current = m_nodeRunIds.value(nodeOf(t));
                return !current.isEmpty() && !t.runId.isEmpty() && current != t.runId;
            };
            if (!infoTooBig) {
                std::vector<size_t> failedStreams;
                std::vector<size_t> restarted;
                for (size_t k = 0; k < toCheck.size(); ++k) {
                    Tracked &t = m_streams[toCheck[k]];
                    const RedisReply &reply = replies.value()[r + k];
                    t.checkNow = t.checkSoon = false;
                    t.checkedAt = now;
                    t.infoBytes = replyBytes(reply);
                    if (reply.isError() && !isMissingKey(reply)) {
                        Q_EMIT streamFailed(
                            t.name, QStringLiteral("cannot tail %1: %2")
                                        .arg(QString::fromUtf8(t.name), reply.errorMessage()));
                        failedStreams.push_back(toCheck[k]);
                        continue;
                    }
                    const bool serverRestarted = restartedAt(t);
                    if (serverRestarted)
                        restarted.push_back(toCheck[k]);
                    checkStream(t, reply, serverRestarted);
                }
                lastCheckAt = now;
                // Another server, or another dataset, may hold later IDs too: look at the
                // entry we read last (once per restart; it may be big).
                const Error error =
                    restarted.empty() ? Error() : verifyLastEntries(connection, restarted);
                if (!error) {
                    for (size_t i : toCheck) {
                        Tracked &t = m_streams[i];
                        t.node = nodeOf(t);
                        if (const QByteArray id = m_nodeRunIds.value(t.node); !id.isEmpty())
                            t.runId = id;
                    }
                }
                for (auto it = failedStreams.rbegin(); it != failedStreams.rend(); ++it)
                    m_streams.erase(m_streams.begin() + qsizetype(*it));
                if (error) {
                    if (!lost(error, false))
                        break;
                    continue; // run_id not taken: verified on the next connection
                }
            }
            if (m_cluster)
                m_connectionsOpened = m_cluster->connectionsOpened(); // all checked just now
            if (m_streams.empty()) {
                if (!m_options.retryInitialConnect) {
                    const Error error(Error::Kind::Server,
                                      QStringLiteral("no stream left to tail"));
                    setState(TailState::Failed, error.message);
                    Q_EMIT failed(error);
                    break;
                }
                continue;
            }
            releaseHeld(); // a reset or a removed stream may let held entries go
        }

        // Block only when every stream was read to its end: while catching up, each XREAD
        // returns at once, and the last one must not wait blockMs for nothing. A stream holding
        // a full batch for time order sits this read out (bounded memory).
        const bool block = std::all_of(m_streams.begin(), m_streams.end(),
                                       [](const Tracked &t) { return t.atEnd; });
        std::vector<size_t> included;
        for (size_t i = 0; i < m_streams.size(); ++i)
            if (block || m_streams[i].held.size() < m_count)
                included.push_back(i);
        const qint64 lengthInterval = qMax<qint64>(m_options.lengthCheckIntervalMs,
                                                   qint64(m_streams.size()) * 1000
                                                       / qMax(1, m_options.lengthChecksPerSecond));
        bool lengthsTaken = false; // XLEN just now: every stream's read must follow
        if (nowMs() - lastLengthCheckAt >= lengthInterval) {
            QList<Command> lengths;
            for (size_t i : included)
                lengths.append(Command{"XLEN", m_streams[i].name});
            auto replies = connection.pipeline(lengths);
            if (!replies.ok()) {
                if (!lost(replies.error(), false))
                    break;
                continue;
            }
            for (size_t k = 0; k < included.size(); ++k) {
                qint64 length = 0;
                if (replies.value()[k].toInteger(&length))
                    m_streams[included[k]].lengthBeforeRead = length;
            }
            lastLengthCheckAt = nowMs();
            lengthsTaken = true;
        }
        // On a cluster one XREAD may name keys of one slot only: one read per slot group.
        // One group (standalone, or streams sharing a slot) can block; several are read
        // without BLOCK, one after the other, and the loop pauses briefly when nothing came.
        const std::vector<std::vector<size_t>> groups = slotGroups(included);
        const bool blockNow = block && groups.size() == 1;
        {
            QMutexLocker lock(&m_mutex);
            if (!m_changes.isEmpty() || m_stop)
                continue;
            m_blocking = blockNow;
        }
        StreamEntryList batch;
        int batchCount = m_readCount;  // the COUNT of the reads batch answers
        std::vector<size_t> answered;  // the streams whose XREAD was answered
        std::vector<size_t> unchanged; // at rest on a node whose data did not change: not read
        Result<RedisReply> reply = RedisReply();
        const qint64 roundStart = nowMs();
        bool detected = false; // this round asked the nodes whether their data changed
        if (groups.size() > 1 && block) {
            // At rest: only the nodes whose data changed since their last read are read (see
            // nodesToRead), each in one pipeline (the cluster client splits it), one round trip
            // each instead of one per slot; the replies are mostly nil.
            QSet<QString> nodes;
            for (const std::vector<size_t> &group : groups)
                nodes.insert(nodeOf(m_streams[group.front()]));
            auto toRead = nodesToRead(connection, nodes, lengthsTaken);
            if (!toRead.ok()) {
                m_nodeChanges.clear();
                if (!lost(toRead.error(), false))
                    break;
                continue;
            }
            detected = std::any_of(nodes.begin(), nodes.end(), [&](const QString &node) {
                return !m_changesRefused.contains(node);
            });
            QList<Command> reads;
            std::vector<size_t> readGroups;
            for (size_t g = 0; g < groups.size(); ++g) {
                if (toRead->contains(nodeOf(m_streams[groups[g].front()]))) {
                    reads.append(buildRead(false, groups[g]));
                    readGroups.push_back(g);
                } else {
                    unchanged.insert(unchanged.end(), groups[g].begin(), groups[g].end());
                }
            }
            auto replies = reads.isEmpty()
                               ? Result<std::vector<RedisReply>>(std::vector<RedisReply>())
                               : connection.pipeline(reads);
            if (!replies.ok())
                reply = replies.error();
            for (size_t r = 0; replies.ok() && r < readGroups.size(); ++r) {
                RedisReply &one = replies.value()[r];
                StreamEntryList entries;
                if (!one.isError() && !appendEntries(one, &entries))
                    one = RedisReply::error("ERR an XREAD reply without the shape of entries");
                batch.append(entries);
                if (one.isError()) {
                    reply = std::move(one);
                    break;
                }
                const std::vector<size_t> &group = groups[readGroups[r]];
                answered.insert(answered.end(), group.begin(), group.end());
            }
            if (!reply.ok() || reply->isError())
                m_nodeChanges.clear(); // not known to have been read: read it all next time
            else if (toRead->size() == nodes.size())
                m_lastFullRoundAt = roundStart;
        } else if (groups.size() > 1 && m_cluster) {
            // Catching up: every node's reads leave before any reply is read, so the nodes
            // work in parallel while this thread parses (the entries fast path all the same).
            QList<Command> reads;
            for (const std::vector<size_t> &group : groups)
                reads.append(buildRead(false, group));
            std::vector<StreamEntryList> outs;
            auto replies = m_cluster->entriesOnNodes(reads, 2, &outs);
            if (!replies.ok())
                reply = replies.error();
            for (size_t g = 0; replies.ok() && g < groups.size(); ++g) {
                if (replies.value()[g].isError()) {
                    reply = std::move(replies.value()[g]);
                    break;
                }
                batch.append(std::move(outs[g]));
                answered.insert(answered.end(), groups[g].begin(), groups[g].end());
            }
        } else if (auto *direct = m_cluster || sentinel
                                      ? nullptr
                                      : dynamic_cast<RedisConnection *>(connection.chosen());
                   direct && groups.size() == 1 && !blockNow) {
            // Catching up on one server: each reply is scanned as soon as it is all in (its
            // last IDs, without parsing it) and the next XREAD leaves then, when it is the one
            // that would follow (aheadRead), so the server serves it while this one is parsed.
            const std::vector<size_t> &group = groups.front();
            if (Error e = direct->sendCommands({buildRead(false, group)}))
                reply = e;
            int sent = m_readCount; // the COUNT of the read whose reply comes next
            while (reply.ok()) {
                auto scan = direct->peekEntries(2);
                if (!scan.ok()) {
                    reply = scan.error();
                    break;
                }
                const std::optional<Command> ahead =
                    aheadRead(scan.value(), group, lengthInterval, sent);
                if (ahead) {
                    if (Error e = direct->sendCommands({*ahead})) {
                        reply = e; // the connection is closed: the reply is lost with it
                        break;
                    }
                    ++m_stats.readsAhead;
                }
                StreamEntryList page;
                reply = direct->receiveEntries(2, &page);
                if (!ahead || !reply.ok() || reply->isError()) {
                    // The last of the run: handled below like any read (an error reply never
                    // has a read after it: its scan is not one of entries).
                    batchCount = sent;
                    batch = std::move(page);
                    if (reply.ok() && !reply->isError())
                        answered = group;
                    break;
                }
                handleBatch(std::move(page), group, sent);
                sent = m_readCount;
                backoff = m_options.initialBackoffMs; // the connection works
                releaseHeld();
                maybeEmitStats(false);
            }
        } else {
            for (const std::vector<size_t> &group : groups) {
                reply = connection.commandEntries(buildRead(blockNow, group), 2, &batch,
                                                  blockNow ? blockMs() + m_settings.commandTimeoutMs
                                                           : -1);
                if (!reply.ok() || reply->isError())
                    break;
                answered.insert(answered.end(), group.begin(), group.end());
            }
        }
        {
            QMutexLocker lock(&m_mutex);
            m_blocking = false;
        }
        // Before the entries move the positions: a failover check starts where the read did.
        noticeTopology();
        noticeFailover();
        const bool received = !batch.isEmpty();
        if (groups.size() <= 1)
            m_watermark.reset(); // one XREAD: a snapshot of every stream it names
        else if (answered.size() + unchanged.size() == included.size())
            // A node not read had no write since before its last read: it holds nothing new
            // from before this round's start either.
            m_watermark = StreamId{
                quint64(qMax<qint64>(0, roundStart + m_clockOffsetMin - m_options.clockSkewMs)),
                std::numeric_limits<quint64>::max()};
        if (!answered.empty())
            handleBatch(std::move(batch), answered, batchCount);
        if (!answered.empty() || !unchanged.empty())
            releaseHeld(); // a round of no read still moves the watermark
        if (!reply.ok()) {
            if (!lost(reply.error(), true))
                break;
            continue;
        }
        if (reply->isError()) {
            // Maybe one stream changed type or lost its permission: the check finds it and
            // drops it. If the same error comes twice, retrying cannot help.
            if (++serverErrors >= 2) {
                const Error error(Error::Kind::Server,
                                  QStringLiteral("XREAD failed: %1").arg(reply->errorMessage()));
                setState(TailState::Failed, error.message);
                Q_EMIT failed(error);
                break;
            }
            for (Tracked &t : m_streams)
                t.checkNow = true;
            continue;
        }
        serverErrors = 0;
        backoff = m_options.initialBackoffMs; // the connection works
        if (m_cluster && m_state != TailState::Live) {
            // A cluster client stays open while one node is lost: reading again is the
            // reconnect (standalone, it is the connect above).
            ++m_stats.reconnects;
            setState(TailState::Live, m_settings.endpoint());
        }
        // A round that asked first is cheap: it comes as often as idlePollMs allows.
        if (groups.size() > 1 && !pauseWhenIdle(received, detected ? 0 : int(groups.size())))
            break;
        if (m_count < m_options.count && nowMs() - m_countShrunkAt >= m_growAfterMs) {
            m_count = int(qMin<qint64>(m_options.count, qint64(m_count) * 4)); // as it shrank
            m_countShrunkAt = nowMs();
            grewSinceShrink = true;
        } else if (const int cap = qMax(m_count, m_options.catchUpCount);
                   m_catchUpCap < cap && nowMs() - m_countShrunkAt >= m_growAfterMs) {
            m_catchUpCap = int(qMin<qint64>(cap, qint64(m_catchUpCap) * 4));
            m_countShrunkAt = nowMs();
            grewSinceShrink = true;
        }
        maybeEmitStats(false);
    }

    maybeEmitStats(true);
    m_connection = nullptr;
    if (m_state != TailState::Failed)
        setState(TailState::Stopped, {});
    Q_EMIT finished();
}

void registerCoreMetaTypes() {
    static const bool once = [] {
        qRegisterMetaType<Error>();
        qRegisterMetaType<StreamEntry>();
        qRegisterMetaType<StreamEntryList>();
        qRegisterMetaType<StreamInfo>();
        qRegisterMetaType<StreamInfoList>();
        qRegisterMetaType<TailState>();
        qRegisterMetaType<TailGap>();
        qRegisterMetaType<TailReset>();
        qRegisterMetaType<TailStats>();
        qRegisterMetaType<KeyLookupResult>();
        qRegisterMetaType<FlowConfig>();
        return true;
    }();
    Q_UNUSED(once);
}

} // namespace streamscope
