#pragma once

#include "AutoClient.h"
#include "ConnectionSettings.h"
#include "Service.h"
#include "StreamEntry.h"

#include <QHash>

#include <atomic>

namespace streamscope::shop {

struct Delivery {
    StreamEntry entry;
    qint64 deliveries = 1; // how often the group has delivered it, this time included
};

// What a handler did with one delivery.
struct Outcome {
    enum class Kind { Ack, Acked, Fail };
    Kind kind = Kind::Ack; // Ack: the consumer acknowledges; Acked: the handler already did
    QString reason;        // for Fail
    static Outcome ack() { return {Kind::Ack, {}}; }
    static Outcome acked() { return {Kind::Acked, {}}; }
    static Outcome fail(QString why) { return {Kind::Fail, std::move(why)}; }
};

// An error a cluster answers while its topology changes (a failover, a slot on the move, a
// blocked read ended by a primary turning replica): worth retrying on a fresh connection, never
// a reason to give up on a message or to stop.
bool isTopologyChange(const RedisReply &reply);

class MessageHandler {
public:
    virtual ~MessageHandler() = default;
    // After every (re)connect, before any message: load scripts, etc.
    virtual Error prepare(RedisClient &connection) = 0;
    // One outcome per delivery, in order. A transport error means: nothing is known, the
    // deliveries stay pending and come back after the reconnect.
    virtual Result<QList<Outcome>> handle(RedisClient &connection,
                                          const QList<Delivery> &batch) = 0;
};

// Consumes a stream through a consumer group, the way every shop service does:
// - creates the group (from the stream's start, MKSTREAM) if it is missing;
// - after each (re)connect, first takes back its own pending entries;
// - retries its own failed entries after retryMs (XCLAIM to itself, counting the delivery);
// - claims entries other consumers left idle for claimIdleMs (XAUTOCLAIM): a dead instance's
//   work is not lost;
// - dead-letters an entry that failed maxDeliveries times (or was delivered more often than that
//   to consumers that died), so one bad message never blocks the group;
// - reconnects with backoff and carries on where the group stands.
// Fault switches (for demos and tests): crashAfter, stallAfter, slowMs.
class GroupConsumer {
public:
    struct Options {
        QByteArray stream;
        QByteArray group;
        QByteArray consumer;
        int count = 100;
        int blockMs = 1000;
        int claimIdleMs = 30000;
        int retryMs = 1000;
        int maxDeliveries = 5;
        QByteArray deadLetterStream; // default: in the stream's slot (sameSlotDeadLetterStream)
        qint64 crashAfter = -1;
        qint64 stallAfter = -1;
        int slowMs = 0;
    };

    GroupConsumer(ConnectionSettings settings, Options options, MessageHandler *handler,
                  const ServiceLog &log);

    // Runs until stop is set; returns 0, or non-zero when it cannot go on (e.g. NOPERM).
    int run(const std::atomic<bool> &stop);

    qint64 processed() const { return m_processed; }

private:
    enum class Step { Ok, Reconnect, Fatal };
    Step ensureGroup();
    Step recoverOwn();
    Step retryFailed();
    Step claimIdle();
    Step readNew(int blockMs);
    // Claims ids to this consumer and processes them with their delivery counts.
    Step claimAndProcess(const QList<QByteArray> &ids);
    Step process(StreamEntryList entries, const QHash<QByteArray, qint64> &deliveries);
    Step deadLetterEntry(const StreamEntry &entry, qint64 deliveries, const QString &reason);
    Result<QHash<QByteArray, qint64>> deliveryCounts(const StreamEntryList &entries);
    Step fromError(const Error &error, const QString &doing);
    Step fromErrorReply(const RedisReply &reply, const QString &doing);
    void logState(const QString &state);

    ConnectionSettings m_settings;
    Options m_options;
    MessageHandler *m_handler;
    const ServiceLog &m_log;
    std::unique_ptr<RedisClient> m_connection;
    const std::atomic<bool> *m_stop = nullptr;

    struct Failure {
        QString reason;
        qint64 lastAttemptMs = 0;
    };
    QHash<QByteArray, Failure> m_failures; // by entry ID
    qint64 m_received = 0;
    qint64 m_processed = 0;
    qint64 m_deadLettered = 0;
    qint64 m_lastClaimMs = 0;
    bool m_stalled = false;
    QString m_lastState;
};

} // namespace streamscope::shop
