// Shop throughput: order-service --generate as fast as it can with two payment instances, on a
// private redis-server. Prints orders/s placed and paid end to end, and the p50/p99 time from
// order.created to payment.completed (from the entry IDs' timestamps).
// Usage: bench_shop [ORDERS [RATE]]   (default 20000 orders, RATE 0 = as fast as it can)
#include "BenchSupport.h"
#include "LocalRedisServer.h"
#include "RedisConnection.h"
#include "StreamEntry.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QHash>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>

using namespace streamscope;

namespace {
QHash<QByteArray, StreamId> idsByOrder(RedisConnection &c, const QByteArray &stream) {
    QHash<QByteArray, StreamId> out;
    QByteArray start = "-";
    for (;;) {
        auto page = c.command({"XRANGE", stream, start, "+", "COUNT", "5000"});
        StreamEntryList entries;
        if (!page.ok() || !appendEntries(page.value(), stream, &entries))
            return out;
        for (const StreamEntry &e : entries)
            out.insert(e.value("orderId"), e.id);
        if (entries.size() < 5000)
            return out;
        start = "(" + entries.last().id.toByteArray();
    }
}
} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const int orders = argc > 1 ? atoi(argv[1]) : 20000;
    const int rate = argc > 2 ? atoi(argv[2]) : 0;
    LocalRedisServer server;
    if (!bench::startServer(server))
        return 1;
    QTemporaryDir dir;
    bench::Services services(QCoreApplication::applicationDirPath(), server.url(), dir.path());
    for (const char *name : {"p1", "p2"})
        services.launch(QStringLiteral("payment-service"),
                        {QStringLiteral("--consumer"), QString::fromLatin1(name),
                         QStringLiteral("--db"), dir.filePath(QStringLiteral("payments.db"))});
    QThread::msleep(300);
    QElapsedTimer clock;
    clock.start();
    services.launch(QStringLiteral("order-service"),
                    {QStringLiteral("--http"), QStringLiteral("0"), QStringLiteral("--db"),
                     dir.filePath(QStringLiteral("orders.db")), QStringLiteral("--generate"),
                     QString::number(rate), QStringLiteral("--orders"), QString::number(orders)});

    RedisConnection c(server.settings());
    if (!bench::done(c.open(), "connect"))
        return 1;
    qint64 paid = 0;
    while (paid < orders && clock.elapsed() < 300000) {
        QThread::msleep(50);
        auto len = c.command({"XLEN", "payment-events"});
        paid = len.ok() ? len->integer() : 0;
    }
    const qint64 wall = clock.elapsed();
    const auto created = idsByOrder(c, "order-events");
    const auto payments = idsByOrder(c, "payment-events");
    QList<qint64> latencies;
    quint64 firstCreated = UINT64_MAX, lastCreated = 0, lastPaid = 0;
    for (auto it = payments.cbegin(); it != payments.cend(); ++it) {
        const StreamId order = created.value(it.key());
        latencies.append(qint64(it.value().ms) - qint64(order.ms));
        lastPaid = std::max(lastPaid, it.value().ms);
    }
    for (const StreamId &id : created) {
        firstCreated = std::min(firstCreated, id.ms);
        lastCreated = std::max(lastCreated, id.ms);
    }
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) {
        return latencies.isEmpty() ? 0 : latencies.at(qsizetype((latencies.size() - 1) * p));
    };
    const double placeSpan = double(lastCreated - firstCreated) / 1000.0;
    const double paySpan = double(lastPaid - firstCreated) / 1000.0;
    std::printf("orders:                 %d placed, %lld paid (wall %.1f s)\n", orders,
                qint64(payments.size()), wall / 1000.0);
    std::printf("placed (order.created): %.0f orders/s\n", created.size() / qMax(placeSpan, 0.001));
    std::printf("paid end to end:        %.0f orders/s (first order.created to last payment)\n",
                payments.size() / qMax(paySpan, 0.001));
    std::printf("order.created -> payment: p50 %lld ms, p99 %lld ms, max %lld ms\n", pct(0.5),
                pct(0.99), pct(1.0));
    services.stop();
    return paid >= orders ? 0 : 1;
}
