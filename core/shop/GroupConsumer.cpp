#include "GroupConsumer.h"

#include "DeadLetter.h"

#include <QDateTime>
#include <QThread>

#include <unistd.h>

namespace streamscope::shop {

namespace {
qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

bool isTopologyChange(const RedisReply &reply) {
    static const QList<QByteArray> codes{"MOVED",     "ASK",      "TRYAGAIN", "CLUSTERDOWN",
                                         "UNBLOCKED", "READONLY", "LOADING",  "MASTERDOWN"};
    return reply.isError() && codes.contains(reply.errorCode());
}

GroupConsumer::GroupConsumer(ConnectionSettings settings, Options options, MessageHandler *handler,
                             const ServiceLog &log)
    : m_settings(settings)
    , m_seeds(std::move(settings))
    , m_options(std::move(options))
    , m_handler(handler)
    , m_log(log) {
    if (m_options.deadLetterStream.isEmpty())
        m_options.deadLetterStream = sameSlotDeadLetterStream(m_options.stream);
}

GroupConsumer::Step GroupConsumer::fromErrorReply(const RedisReply &reply, const QString &doing) {
    // READONLY through Sentinel is a failover under way (the client asks the sentinels again);
    // anywhere else the server is a replica, and stays one: connect to the primary.
    const bool replica = reply.isError() && reply.errorCode() == "READONLY" && m_connection
                         && m_connection->topology() != RedisClient::Topology::Sentinel;
    return fromError(
        Error(isTopologyChange(reply) && !replica ? Error::Kind::Io : Error::Kind::Server,
              reply.errorMessage()),
        doing);
}

void GroupConsumer::logState(const QString &state) {
    if (state == m_lastState)
        return;
    m_lastState = state;
    m_log.info(state);
}

GroupConsumer::Step GroupConsumer::fromError(const Error &error, const QString &doing) {
    if (error.kind == Error::Kind::Cancelled)
        return Step::Reconnect;
    logState(QStringLiteral("%1 failed: %2").arg(doing, error.message));
    return error.isTransient() ? Step::Reconnect : Step::Fatal;
}

int GroupConsumer::run(const std::atomic<bool> &stop) {
    m_stop = &stop;
    int backoff = 100;
    qint64 lastSummaryMs = nowMs();
    qint64 processedAtSummary = 0;
    while (!stop) {
        if (!m_connection || !m_connection->isOpen()) {
            m_connection = std::make_unique<AutoClient>(m_seeds.current());
            m_connection->setCancelFlag(&stop);
            if (Error e = m_connection->open()) {
                if (stop)
                    break;
                // A certificate or host key we cannot accept, credentials refused, a sentinel
                // that knows no such master: retrying cannot help.
                if (!e.isTransient() && e.kind != Error::Kind::Cancelled) {
                    logState(QStringLiteral("cannot connect to %1: %2")
                                 .arg(m_seeds.current().endpoint(), e.message));
                    return 1;
                }
                logState(QStringLiteral("cannot connect to %1 (%2); retrying")
                             .arg(m_seeds.current().endpoint(), e.message));
                m_seeds.failed();
                sleepUnlessStopped(stop, backoff);
                backoff = qMin(backoff * 2, 5000);
                continue;
            }
            m_seeds.learn(*m_connection);
            Step step = ensureGroup();
            if (step == Step::Ok) {
                if (Error e = m_handler->prepare(*m_connection))
                    step = fromError(e, QStringLiteral("preparing"));
            }
            if (step == Step::Fatal)
                return 1;
            if (step == Step::Reconnect) {
                m_connection->close();
                sleepUnlessStopped(stop, backoff);
                backoff = qMin(backoff * 2, 5000);
                continue;
            }
            logState(QStringLiteral("consuming %1 as %2/%3")
                         .arg(QString::fromUtf8(m_options.stream),
                              QString::fromUtf8(m_options.group),
                              QString::fromUtf8(m_options.consumer)));
            step = recoverOwn();
            if (step == Step::Fatal)
                return 1;
            if (step == Step::Reconnect) {
                m_connection->close();
                sleepUnlessStopped(stop, backoff);
                backoff = qMin(backoff * 2, 5000);
                continue;
            }
        }

        if (m_stalled) {
            sleepUnlessStopped(stop, 200); // connected, consuming nothing: as a hung worker
            continue;
        }

        Step step = retryFailed();
        if (step == Step::Ok && nowMs() - m_lastClaimMs >= qMin(m_options.claimIdleMs / 2, 5000))
            step = claimIdle();
        if (step == Step::Ok)
            step = readNew(m_failures.isEmpty() ? m_options.blockMs
                                                : qMin(m_options.blockMs, m_options.retryMs));
        if (step == Step::Fatal)
            return 1;
        if (step == Step::Reconnect && m_connection) {
            // A connection that opens and then fails at once (a server that refuses what we
            // send) is not hammered: the wait grows until a read goes through.
            m_connection->close();
            sleepUnlessStopped(stop, backoff);
            backoff = qMin(backoff * 2, 5000);
        } else if (step == Step::Ok) {
            backoff = 100;
        }

        if (nowMs() - lastSummaryMs >= 10000 && m_processed != processedAtSummary) {
            m_log.info(QStringLiteral("processed %1 messages (%2 in the last %3 s), %4 "
                                      "dead-lettered")
                           .arg(m_processed)
                           .arg(m_processed - processedAtSummary)
                           .arg((nowMs() - lastSummaryMs) / 1000)
                           .arg(m_deadLettered));
            lastSummaryMs = nowMs();
            processedAtSummary = m_processed;
        }
    }
    m_log.info(QStringLiteral("stopped after %1 messages").arg(m_processed));
    return 0;
}

GroupConsumer::Step GroupConsumer::ensureGroup() {
    auto reply = m_connection->command(
        {"XGROUP", "CREATE", m_options.stream, m_options.group, "0", "MKSTREAM"});
    if (!reply.ok())
        return fromError(reply.error(), QStringLiteral("creating the group"));
    if (reply->isError() && reply->errorCode() != "BUSYGROUP")
        return fromErrorReply(
            reply.value(),
            QStringLiteral("creating group %1").arg(QString::fromUtf8(m_options.group)));
    if (!reply->isError())
        m_log.info(
            QStringLiteral("created group %1 on %2")
                .arg(QString::fromUtf8(m_options.group), QString::fromUtf8(m_options.stream)));
    return Step::Ok;
}

GroupConsumer::Step GroupConsumer::recoverOwn() {
    // Our own pending entries, from before a crash or a lost connection, page by page.
    QByteArray start = "-";
    for (int page = 0; page < 1000 && !*m_stop; ++page) {
        auto reply =
            m_connection->command({"XPENDING", m_options.stream, m_options.group, start, "+",
                                   QByteArray::number(m_options.count), m_options.consumer});
        if (!reply.ok())
            return fromError(reply.error(), QStringLiteral("reading own pending entries"));
        if (!reply->isArray() || reply->size() == 0)
            return Step::Ok;
        QList<QByteArray> ids;
        for (const RedisReply &p : reply->elements())
            ids.append(p.at(0).bytes());
        if (page == 0)
            m_log.info(QStringLiteral("taking back own pending entries"));
        const Step step = claimAndProcess(ids);
        if (step != Step::Ok || m_stalled)
            return step;
        if (reply->size() < size_t(m_options.count))
            return Step::Ok;
        start = "(" + ids.last();
    }
    return Step::Ok;
}

GroupConsumer::Step GroupConsumer::retryFailed() {
    QList<QByteArray> due;
    const qint64 now = nowMs();
    for (auto it = m_failures.cbegin(); it != m_failures.cend(); ++it)
        if (now - it->lastAttemptMs >= m_options.retryMs)
            due.append(it.key());
    if (due.isEmpty())
        return Step::Ok;
    std::sort(due.begin(), due.end(), [](const QByteArray &a, const QByteArray &b) {
        return StreamId::fromServer(a) < StreamId::fromServer(b);
    });
    return claimAndProcess(due.mid(0, m_options.count));
}

GroupConsumer::Step GroupConsumer::claimIdle() {
    m_lastClaimMs = nowMs();
    QByteArray cursor = "0-0";
    qint64 claimed = 0;
    // Bounded: at most 10 pages per round.
    for (int page = 0; page < 10 && !*m_stop; ++page) {
        StreamEntryList entries;
        auto reply = m_connection->commandEntries(
            {"XAUTOCLAIM", m_options.stream, m_options.group, m_options.consumer,
             QByteArray::number(m_options.claimIdleMs), cursor, "COUNT",
             QByteArray::number(m_options.count)},
            1, &entries, -1, m_options.stream);
        if (!reply.ok())
            return fromError(reply.error(), QStringLiteral("claiming idle entries"));
        if (reply->isError())
            return fromErrorReply(reply.value(), QStringLiteral("XAUTOCLAIM"));
        if (!reply->isArray() || reply->size() < 2)
            return Step::Ok;
        cursor = reply->at(0).bytes();
        claimed += entries.size();
        if (!entries.isEmpty()) {
            auto counts = deliveryCounts(entries);
            if (!counts.ok())
                return fromError(counts.error(), QStringLiteral("reading delivery counts"));
            const Step step = process(std::move(entries), counts.value());
            if (step != Step::Ok)
                return step;
        }
        if (cursor == "0-0")
            break;
    }
    if (claimed > 0)
        m_log.info(QStringLiteral("claimed %1 entries idle for over %2 ms from other consumers")
                       .arg(claimed)
                       .arg(m_options.claimIdleMs));
    return Step::Ok;
}

GroupConsumer::Step GroupConsumer::readNew(int blockMs) {
    StreamEntryList entries;
    auto reply = m_connection->commandEntries(
        {"XREADGROUP", "GROUP", m_options.group, m_options.consumer, "COUNT",
         QByteArray::number(m_options.count), "BLOCK", QByteArray::number(blockMs), "STREAMS",
         m_options.stream, ">"},
        2, &entries, blockMs + m_settings.commandTimeoutMs);
    if (!reply.ok())
        return fromError(reply.error(), QStringLiteral("reading"));
    if (reply->isError()) {
        if (reply->errorCode() == "NOGROUP") { // the group or stream was deleted under us
            logState(QStringLiteral("group %1 is gone; creating it again")
                         .arg(QString::fromUtf8(m_options.group)));
            return ensureGroup();
        }
        return fromErrorReply(reply.value(), QStringLiteral("XREADGROUP"));
    }
    if (entries.isEmpty())
        return Step::Ok;
    return process(std::move(entries), {});
}

GroupConsumer::Step GroupConsumer::claimAndProcess(const QList<QByteArray> &ids) {
    if (ids.isEmpty())
        return Step::Ok;
    Command claim{"XCLAIM", m_options.stream, m_options.group, m_options.consumer, "0"};
    claim.append(ids);
    StreamEntryList entries;
    auto reply = m_connection->commandEntries(claim, 0, &entries, -1, m_options.stream);
    if (!reply.ok())
        return fromError(reply.error(), QStringLiteral("claiming"));
    if (reply->isError())
        return fromErrorReply(reply.value(), QStringLiteral("XCLAIM"));
    // Entries deleted from the stream are not returned (and leave the PEL on 7.0+).
    for (const QByteArray &id : ids)
        if (std::none_of(entries.cbegin(), entries.cend(),
                         [&](const StreamEntry &e) { return e.id.toByteArray() == id; }))
            m_failures.remove(id);
    if (entries.isEmpty())
        return Step::Ok;
    auto counts = deliveryCounts(entries);
    if (!counts.ok())
        return fromError(counts.error(), QStringLiteral("reading delivery counts"));
    return process(std::move(entries), counts.value());
}

Result<QHash<QByteArray, qint64>> GroupConsumer::deliveryCounts(const StreamEntryList &entries) {
    QHash<QByteArray, qint64> counts;
    StreamId first = entries.first().id, last = entries.first().id;
    for (const StreamEntry &e : entries) {
        first = qMin(first, e.id);
        last = qMax(last, e.id);
    }
    // Our own pending entries in that range: one round trip for the batch.
    auto reply = m_connection->command(
        {"XPENDING", m_options.stream, m_options.group, first.toByteArray(), last.toByteArray(),
         QByteArray::number(qMax<qsizetype>(entries.size(), 1) * 4), m_options.consumer});
    if (!reply.ok())
        return reply.error();
    if (reply->isArray())
        for (const RedisReply &p : reply->elements())
            if (p.isArray() && p.size() >= 4)
                counts.insert(p.at(0).bytes(), p.at(3).integer());
    return counts;
}

GroupConsumer::Step GroupConsumer::deadLetterEntry(const StreamEntry &entry, qint64 deliveries,
                                                   const QString &reason) {
    auto id = deadLetter(*m_connection, {m_options.stream, m_options.group, entry, deliveries,
                                         reason, m_options.consumer, m_options.deadLetterStream});
    if (!id.ok())
        return fromError(id.error(), QStringLiteral("dead-lettering"));
    ++m_deadLettered;
    m_failures.remove(entry.id.toByteArray());
    m_log.info(QStringLiteral("moved %1 to %2 after %3 deliveries: %4")
                   .arg(entry.id.toString(), QString::fromUtf8(m_options.deadLetterStream))
                   .arg(deliveries)
                   .arg(reason));
    return Step::Ok;
}

GroupConsumer::Step GroupConsumer::process(StreamEntryList entries,
                                           const QHash<QByteArray, qint64> &deliveries) {
    m_received += entries.size();
    if (m_options.crashAfter >= 0 && m_received >= m_options.crashAfter) {
        m_log.info(
            QStringLiteral("crashing after %1 messages, as asked (--crash-after)").arg(m_received));
        ::_exit(70); // abruptly: no ack, no cleanup, pending entries stay behind
    }
    if (m_options.stallAfter >= 0 && m_received >= m_options.stallAfter) {
        m_log.info(
            QStringLiteral("stalling after %1 messages, as asked (--stall-after)").arg(m_received));
        m_stalled = true;
        return Step::Ok;
    }

    QList<Delivery> batch;
    for (StreamEntry &e : entries) {
        const QByteArray id = e.id.toByteArray();
        const qint64 count = deliveries.value(id, 1);
        // Delivered more often than allowed to consumers that never finished: give up now.
        if (count > m_options.maxDeliveries) {
            const QString reason =
                m_failures.contains(id)
                    ? m_failures.value(id).reason
                    : QStringLiteral("delivered %1 times without being acknowledged").arg(count);
            if (const Step step = deadLetterEntry(e, count, reason); step != Step::Ok)
                return step;
            continue;
        }
        batch.append({std::move(e), count});
    }
    if (batch.isEmpty())
        return Step::Ok;
    if (m_options.slowMs > 0)
        for (qsizetype i = 0; i < batch.size(); ++i)
            if (!sleepUnlessStopped(*m_stop, m_options.slowMs))
                return Step::Reconnect;

    auto outcomes = m_handler->handle(*m_connection, batch);
    if (!outcomes.ok())
        return fromError(outcomes.error(), QStringLiteral("handling"));

    Command ack{"XACK", m_options.stream, m_options.group};
    const qint64 now = nowMs();
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const Delivery &d = batch.at(i);
        const QByteArray id = d.entry.id.toByteArray();
        const Outcome &o = outcomes->value(i, Outcome::fail(QStringLiteral("no outcome")));
        if (o.kind == Outcome::Kind::Fail) {
            if (d.deliveries >= m_options.maxDeliveries) {
                if (const Step step = deadLetterEntry(d.entry, d.deliveries, o.reason);
                    step != Step::Ok)
                    return step;
            } else {
                if (!m_failures.contains(id))
                    m_log.info(QStringLiteral("%1 failed (delivery %2 of %3), will retry: %4")
                                   .arg(d.entry.id.toString())
                                   .arg(d.deliveries)
                                   .arg(m_options.maxDeliveries)
                                   .arg(o.reason));
                m_failures[id] = {o.reason, now};
            }
            continue;
        }
        m_failures.remove(id);
        ++m_processed;
        if (o.kind == Outcome::Kind::Ack)
            ack.append(id);
    }
    if (ack.size() > 3) {
        auto reply = m_connection->command(ack);
        if (!reply.ok())
            return fromError(reply.error(), QStringLiteral("acknowledging"));
    }
    return Step::Ok;
}

} // namespace streamscope::shop
