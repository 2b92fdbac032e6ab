#pragma once

// What the shop tests check on a running shop, on any deployment (one server, a cluster,
// Sentinel), through an admin client: stream lengths, pending counts, whole streams, the order
// service's database. Header-only: only the tests that link streamscope_shop include it.

#include "RedisClient.h"
#include "Stores.h"
#include "StreamEntry.h"

#include <QHash>
#include <QStringList>
#include <QTest>

#include <map>

namespace streamscope::test {

inline RedisReply adminRun(RedisClient &admin, const Command &command) {
    auto reply = admin.command(command);
    if (!reply.ok()) {
        QTest::qFail(qPrintable(reply.error().message), __FILE__, __LINE__);
        return {};
    }
    return reply.value();
}

inline qint64 streamLength(RedisClient &admin, const QByteArray &stream) {
    return adminRun(admin, {"XLEN", stream}).integer();
}

// The group's pending count, -1 when the server does not say.
inline qint64 pendingCount(RedisClient &admin, const QByteArray &stream, const QByteArray &group) {
    const RedisReply r = adminRun(admin, {"XPENDING", stream, group});
    return r.isArray() && r.size() > 0 ? r.at(0).integer() : -1;
}

// The whole stream, by pages of 500 (what was read when a page fails).
inline StreamEntryList readAll(RedisClient &admin, const QByteArray &stream) {
    StreamEntryList all;
    QByteArray start = "-";
    for (;;) {
        StreamEntryList entries;
        auto reply = admin.commandEntries({"XRANGE", stream, start, "+", "COUNT", "500"}, 0,
                                          &entries, -1, stream);
        if (!reply.ok())
            return all;
        all.append(entries);
        if (entries.size() < 500)
            return all;
        start = "(" + entries.last().id.toByteArray();
    }
}

// How many orders the order service's database holds per status (empty when it cannot say).
inline QHash<QString, qint64> orderStatuses(const QString &ordersDb) {
    shop::OrderStore store(ordersDb);
    if (store.open())
        return {};
    auto counts = store.countByStatus();
    return counts.ok() ? counts.value() : QHash<QString, qint64>();
}

// The payment outcome announced on payment-events for each order ("payment.completed" or
// "payment.failed"), and the orders announced more than once (there must be none).
struct PaymentOutcomes {
    std::map<qint64, QByteArray> byOrder;
    QList<qint64> twice;

    qint64 completed() const {
        qint64 n = 0;
        for (const auto &[order, type] : byOrder)
            n += type == "payment.completed";
        return n;
    }
    QString twiceText() const {
        QStringList ids;
        for (qint64 id : twice)
            ids << QString::number(id);
        return QStringLiteral("orders announced twice: ") + ids.join(QLatin1String(", "));
    }
};

inline PaymentOutcomes paymentOutcomes(RedisClient &admin) {
    PaymentOutcomes outcomes;
    for (const StreamEntry &e : readAll(admin, "payment-events")) {
        const qint64 id = e.value("orderId").toLongLong();
        if (outcomes.byOrder.count(id))
            outcomes.twice << id;
        outcomes.byOrder[id] = e.value("type");
    }
    return outcomes;
}

} // namespace streamscope::test
