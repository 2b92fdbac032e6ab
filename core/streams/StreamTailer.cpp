#include "StreamTailer.h"

#include "FlowTracker.h"
#include "KeyLookup.h"

#include "RedisConnection.h"
#include "StreamInfo.h"

#include <QDateTime>
#include <QThread>

#include <algorithm>

namespace streamscope {

namespace {
qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

bool isMissingKey(const RedisReply &reply) {
    return reply.isError() && reply.errorMessage().contains(QLatin1String("no such key"));
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
    const QString count = lost < 0
                              ? QStringLiteral("an unknown number of entries")
                              : QStringLiteral("%1 entr%2").arg(lost).arg(lost == 1 ? "y" : "ies");
    QString text = QStringLiteral("gap in %1: %2 after %3 were trimmed or deleted before they "
                                  "were read")
                       .arg(QString::fromUtf8(stream), count, lastSeenId.toString());
    if (firstSurvivingId)
        text += QStringLiteral("; continuing at %1").arg(firstSurvivingId->toString());
    return text;
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

Command StreamTailer::buildRead(bool block) const {
    Command cmd{"XREAD", "COUNT", QByteArray::number(m_options.count)};
    if (block)
        cmd << "BLOCK" << QByteArray::number(m_options.blockMs);
    cmd << "STREAMS";
    for (const Tracked &t : m_streams)
        cmd << t.name;
    for (const Tracked &t : m_streams)
        cmd << t.lastId.toByteArray();
    return cmd;
}

void StreamTailer::checkStream(Tracked &s, const RedisReply &reply) {
    if (isMissingKey(reply)) {
        // Not created yet (or deleted): everything it will hold is new to us.
        s.resolveDollar = false;
        s.addedThrough = 0;
        s.lagEntries = 0;
        s.lagMs = 0;
        return;
    }
    const auto info = StreamInfo::fromReply(s.name, reply);
    if (!info)
        return; // the caller removes streams whose XINFO failed
    const StreamId lastGenerated = info->lastGeneratedId;
    const std::optional<qint64> added = info->entriesAdded;

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
                Q_EMIT gapDetected(
                    TailGap{s.name, s.lastId, caughtUp ? std::nullopt : info->firstEntryId, lost});
            if (caughtUp)
                s.addedThrough = *added;
            else if (allAfter)
                s.addedThrough = *added - info->length;
        } else if (caughtUp) {
            s.addedThrough = *added;
        } else if (allAfter) {
            // Started at a given ID older than the first entry, and entries were removed: some
            // after that ID may be among them. How many, the server cannot tell (trimming does
            // not move max-deleted-entry-id; only XDEL does).
            if (s.explicitStart && s.received == 0 && !s.lastId.isZero() && *added > info->length)
                Q_EMIT gapDetected(TailGap{s.name, s.lastId, info->firstEntryId, -1});
            s.addedThrough = *added - info->length;
        }
    } else if (info->firstEntryId && *info->firstEntryId > s.lastId && !s.lastId.isZero()
               && s.reportedGapAt != info->firstEntryId) {
        // Before 7.0 the server keeps no count: we can only tell that our position is gone.
        s.reportedGapAt = info->firstEntryId;
        Q_EMIT gapDetected(TailGap{s.name, s.lastId, info->firstEntryId, -1});
    }

    s.lagEntries = added && s.addedThrough ? qMax<qint64>(0, *added - *s.addedThrough) : -1;
    s.lagMs = lastGenerated > s.lastId && lastGenerated.ms > s.lastId.ms
                  ? qint64(lastGenerated.ms - s.lastId.ms)
                  : 0;
}

void StreamTailer::handleBatch(StreamEntryList &&batch) {
    for (Tracked &t : m_streams)
        t.atEnd = true; // a stream missing from the reply had nothing more
    // The batch holds each stream's entries together, in reply order.
    qsizetype begin = 0;
    while (begin < batch.size()) {
        const QByteArray &name = batch.at(begin).stream;
        qsizetype end = begin + 1;
        while (end < batch.size() && batch.at(end).stream == name)
            ++end;
        const qsizetype n = end - begin;
        auto it = std::find_if(m_streams.begin(), m_streams.end(),
                               [&](const Tracked &t) { return t.name == name; });
        if (it != m_streams.end()) {
            it->lastId = batch.at(end - 1).id;
            it->received += n;
            if (it->addedThrough)
                *it->addedThrough += n;
            if (it->lagEntries > 0)
                it->lagEntries = qMax<qint64>(0, it->lagEntries - n);
            it->atEnd = n < m_options.count;
        }
        begin = end;
    }
    ++m_stats.batches;
    m_stats.entries += batch.size();
    if (m_streams.size() > 1) {
        // XREAD groups its reply by stream; consumers want one timeline (order, then payment).
        // Each stream's entries are already in ID order, so a stable sort keeps them so.
        std::stable_sort(batch.begin(), batch.end(),
                         [](const StreamEntry &a, const StreamEntry &b) { return a.id < b.id; });
    }
    if (!batch.isEmpty())
        Q_EMIT entriesReceived(batch);
    const bool allAtEnd =
        std::all_of(m_streams.begin(), m_streams.end(), [](const Tracked &t) { return t.atEnd; });
    if (allAtEnd && !m_caughtUpEmitted) {
        m_caughtUpEmitted = true;
        Q_EMIT caughtUp();
    }
}

void StreamTailer::maybeEmitStats(bool force) {
    const qint64 now = nowMs();
    const qint64 elapsed = now - m_lastStatsAt;
    if (!force && elapsed < m_options.statsIntervalMs)
        return;
    if (m_connection)
        m_stats.bytes = m_connection->bytesReceived();
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
    RedisConnection connection(m_settings);
    connection.setCancelFlag(&m_interrupt);
    m_connection = &connection;
    m_stats = {};
    m_lastStatsAt = nowMs();
    m_entriesAtLastStats = m_bytesAtLastStats = 0;

    int backoff = m_options.initialBackoffMs;
    bool everConnected = false;
    bool quietReconnect = false; // the last close was ours (a stream was added mid-BLOCK)
    bool needCheck = true;
    qint64 lastCheckAt = 0;
    int serverErrors = 0;

    while (!m_stop) {
        const qsizetype streamsBefore = qsizetype(m_streams.size());
        applyChanges();
        if (qsizetype(m_streams.size()) != streamsBefore) {
            needCheck = true;
            maybeEmitStats(true); // the figures list what is tailed now
        }

        if (!connection.isOpen()) {
            {
                QMutexLocker lock(&m_mutex);
                m_interrupt = m_stop.load();
            }
            if (!quietReconnect)
                setState(everConnected ? TailState::Reconnecting : TailState::Connecting,
                         QStringLiteral("connecting to %1").arg(m_settings.endpoint()));
            const Error error = connection.open();
            if (error) {
                if (m_stop)
                    break;
                if (!everConnected && !m_options.retryInitialConnect) {
                    setState(TailState::Failed, error.message);
                    Q_EMIT failed(error);
                    break;
                }
                quietReconnect = false;
                setState(TailState::Reconnecting,
                         QStringLiteral("%1; retrying in %2 ms").arg(error.message).arg(backoff));
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
            backoff = m_options.initialBackoffMs;
            needCheck = true;
        }

        if (m_streams.empty()) {
            maybeEmitStats(false);
            sleepInterruptibly(m_options.blockMs);
            continue;
        }

        if (needCheck || nowMs() - lastCheckAt >= m_options.statsIntervalMs) {
            QList<Command> infos;
            for (const Tracked &t : m_streams)
                infos.append({"XINFO", "STREAM", t.name});
            auto replies = connection.pipeline(infos);
            if (!replies.ok()) {
                quietReconnect = replies.error().kind == Error::Kind::Cancelled;
                if (!quietReconnect) // say why before reconnecting (a protocol error...)
                    setState(TailState::Reconnecting, replies.error().message);
                continue; // the connection is closed: the loop reconnects
            }
            for (size_t i = m_streams.size(); i-- > 0;) {
                const RedisReply &reply = replies.value()[i];
                if (reply.isError() && !isMissingKey(reply)) {
                    Q_EMIT streamFailed(
                        m_streams[i].name,
                        QStringLiteral("cannot tail %1: %2")
                            .arg(QString::fromUtf8(m_streams[i].name), reply.errorMessage()));
                    m_streams.erase(m_streams.begin() + qsizetype(i));
                    continue;
                }
                checkStream(m_streams[i], reply);
            }
            needCheck = false;
            lastCheckAt = nowMs();
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
        }

        // Block only when every stream was read to its end: while catching up, each XREAD
        // returns at once, and the last one must not wait blockMs for nothing.
        const bool block = std::all_of(m_streams.begin(), m_streams.end(),
                                       [](const Tracked &t) { return t.atEnd; });
        {
            QMutexLocker lock(&m_mutex);
            if (!m_changes.isEmpty() || m_stop)
                continue;
            m_blocking = block;
        }
        StreamEntryList batch;
        auto reply =
            connection.commandEntries(buildRead(block), 2, &batch,
                                      block ? m_options.blockMs + m_settings.commandTimeoutMs : -1);
        {
            QMutexLocker lock(&m_mutex);
            m_blocking = false;
        }
        if (!reply.ok()) {
            quietReconnect = reply.error().kind == Error::Kind::Cancelled;
            if (!quietReconnect)
                setState(TailState::Reconnecting, reply.error().message);
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
            needCheck = true;
            continue;
        }
        serverErrors = 0;
        handleBatch(std::move(batch));
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
        qRegisterMetaType<TailStats>();
        qRegisterMetaType<KeyLookupResult>();
        qRegisterMetaType<FlowConfig>();
        return true;
    }();
    Q_UNUSED(once);
}

} // namespace streamscope
