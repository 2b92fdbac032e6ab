// The reference shop through Redis Sentinel (LocalRedisSentinel: one primary, one replica, three
// sentinels), with the real service processes, some given a redis+sentinel:// URL and some
// --sentinel/--master: orders are placed while SENTINEL FAILOVER moves the primary, and every
// order is paid exactly once (one payment event on the new primary, order statuses that agree,
// one charge in the payments database), nothing is left pending, and every service is still
// running.

#include "LocalRedisSentinel.h"
#include "SentinelClient.h"
#include "ServiceProcess.h"
#include "ShopChecks.h"
#include "Stores.h"
#include "StreamEntry.h"

#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace streamscope;

class TestSentinelShop : public QObject {
    Q_OBJECT

private:
    // Every other service gets the flags instead of the URL: both must work.
    std::unique_ptr<test::ServiceProcess> service(const QString &program, QStringList args) {
        QStringList connection;
        if (m_logCounter % 2 == 0) {
            connection << QStringLiteral("--url") << m_fixture->url();
        } else {
            for (int i = 0; i < LocalRedisSentinel::sentinelCount; ++i)
                connection << QStringLiteral("--sentinel")
                           << QStringLiteral("127.0.0.1:%1").arg(m_fixture->sentinelPort(i));
            connection << QStringLiteral("--master") << m_fixture->masterName();
        }
        auto s = std::make_unique<test::ServiceProcess>(
            program, connection + args,
            m_dir->filePath(program + QString::number(m_logCounter++) + ".log"));
        if (!s->start())
            QTest::qFail(qPrintable(QStringLiteral("cannot start ") + program), __FILE__, __LINE__);
        return s;
    }
    RedisReply run(const Command &command) { return test::adminRun(*m_admin, command); }
    qint64 xlen(const QByteArray &stream) { return test::streamLength(*m_admin, stream); }
    qint64 pendingCount(const QByteArray &stream, const QByteArray &group) {
        return test::pendingCount(*m_admin, stream, group);
    }
    StreamEntryList readAll(const QByteArray &stream) { return test::readAll(*m_admin, stream); }
    QHash<QString, qint64> orderStatuses() {
        return test::orderStatuses(m_dir->filePath("orders.db"));
    }

private Q_SLOTS:
    void initTestCase() {
        m_fixture = std::make_unique<LocalRedisSentinel>();
        QElapsedTimer clock;
        clock.start();
        const Error e = m_fixture->start();
        QVERIFY2(!e,
                 qPrintable(QStringLiteral("cannot start the Sentinel deployment: ") + e.message));
        qInfo("1 primary, 1 replica and 3 sentinels up in %lld ms", clock.elapsed());
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_admin = std::make_unique<SentinelClient>(m_fixture->settings());
        const Error opened = m_admin->open();
        QVERIFY2(!opened, qPrintable(opened.message));
    }
    void cleanup() {
        if (QTest::currentTestFailed())
            for (const QString &name : QDir(m_dir->path()).entryList({QStringLiteral("*.log")}))
                qWarning("%s:\n%s", qPrintable(name), qPrintable(QString::fromUtf8([&] {
                             QFile f(m_dir->filePath(name));
                             (void)f.open(QIODevice::ReadOnly);
                             return f.readAll().right(3000);
                         }())));
    }
    void cleanupTestCase() {
        m_admin.reset();
        m_fixture.reset();
    }

    // 300 orders, generated 30 a second, while the primary fails over (the payment and
    // notification services exited on READONLY before; the relay could have marked orders
    // published that only the old primary had taken, and that it dropped when it became a
    // replica).
    void everyOrderPaidOnceThroughAFailover() {
        const int orders = 300;
        auto ordersService =
            service(QStringLiteral("order-service"),
                    {QStringLiteral("--http"), QStringLiteral("0"), QStringLiteral("--db"),
                     m_dir->filePath("orders.db"), QStringLiteral("--generate"),
                     QStringLiteral("30"), QStringLiteral("--orders"), QString::number(orders)});
        auto p1 = service(QStringLiteral("payment-service"),
                          {QStringLiteral("--consumer"), QStringLiteral("p1"),
                           QStringLiteral("--db"), m_dir->filePath("payments.db"),
                           QStringLiteral("--claim-idle-ms"), QStringLiteral("1000")});
        auto p2 = service(QStringLiteral("payment-service"),
                          {QStringLiteral("--consumer"), QStringLiteral("p2"),
                           QStringLiteral("--db"), m_dir->filePath("payments.db"),
                           QStringLiteral("--claim-idle-ms"), QStringLiteral("1000")});
        auto notifier = service(QStringLiteral("notification-service"), {});

        QTRY_VERIFY_WITH_TIMEOUT(orderStatuses().value(QStringLiteral("paid")) >= 50, 20000);
        const int before = m_fixture->primaryIndex();
        QElapsedTimer clock;
        clock.start();
        const Error failed = m_fixture->failover();
        QVERIFY2(!failed, qPrintable(failed.message));
        QCOMPARE(m_fixture->primaryIndex(), 1 - before);
        qInfo("failed over from 127.0.0.1:%d to 127.0.0.1:%d with %lld orders paid",
              m_fixture->server(before).port(), m_fixture->server(1 - before).port(),
              orderStatuses().value(QStringLiteral("paid")));

        QTRY_COMPARE_WITH_TIMEOUT(orderStatuses().value(QStringLiteral("paid")), qint64(orders),
                                  60000);
        qInfo("all %d orders paid %lld ms after SENTINEL FAILOVER", orders, clock.elapsed());
        // Entries delivered to the old primary's consumers before the failover are claimed
        // after the services' idle threshold: on two busy cores that took up to 25 s.
        QTRY_COMPARE_WITH_TIMEOUT(pendingCount("order-events", "payment-service"), qint64(0),
                                  45000);
        QTRY_COMPARE_WITH_TIMEOUT(pendingCount("payment-events", "notification-service"), qint64(0),
                                  45000);
        QCOMPARE(xlen("order-events"), qint64(orders));
        QCOMPARE(xlen("payment-events"), qint64(orders));
        QCOMPARE(m_admin->primaryEndpoint(), // what was just read came from the new primary
                 QStringLiteral("127.0.0.1:%1").arg(m_fixture->server(1 - before).port()));

        // One payment event per order, and the order service agrees on each one's outcome.
        const test::PaymentOutcomes announced = test::paymentOutcomes(*m_admin);
        QVERIFY2(announced.twice.isEmpty(), qPrintable(announced.twiceText()));
        QCOMPARE(qint64(announced.byOrder.size()), qint64(orders));
        const qint64 completed = announced.completed();
        QCOMPARE(orderStatuses().value(QStringLiteral("paid")), completed);
        // ... and one charge per order in the payment service's database, the one announced
        // (a completed payment's row was dropped before: NULL in a NOT NULL column, OR IGNORE).
        shop::PaymentStore charges(m_dir->filePath("payments.db"));
        QVERIFY(!charges.open());
        for (const StreamEntry &e : readAll("payment-events")) {
            auto charged = charges.find(QString::fromUtf8(e.value("orderId")));
            QVERIFY2(charged.ok(), qPrintable(charged.error().message));
            QVERIFY2(charged.value(), qPrintable(QStringLiteral("order %1 is not in the payments "
                                                                "database")
                                                     .arg(QString::fromUtf8(e.value("orderId")))));
            QCOMPARE(charged.value()->paymentId.toUtf8(), e.value("paymentId"));
        }
        QCOMPARE(xlen("{order-events}:dlq"), qint64(0));
        QVERIFY(ordersService->running());
        QVERIFY(p1->running());
        QVERIFY(p2->running());
        QVERIFY(notifier->running());
    }

private:
    std::unique_ptr<LocalRedisSentinel> m_fixture;
    std::unique_ptr<SentinelClient> m_admin;
    std::unique_ptr<QTemporaryDir> m_dir;
    int m_logCounter = 0;
};

QTEST_GUILESS_MAIN(TestSentinelShop)
#include "tst_sentinel_shop.moc"
