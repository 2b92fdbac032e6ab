// `streamscope --demo` watching what it started: the real shop services and a private
// redis-server. What dies unasked is reported (with how and its last words), stays dead until the
// user restarts it, and comes back where it was; the banner says so and its button restarts it.

#include "DemoBanner.h"
#include "LocalRedisServer.h"
#include "RedisConnection.h"
#include "ServiceProcess.h"
#include "ShopDemo.h"
#include "ShopNames.h"
#include "TestRedis.h"

#include <QDateTime>
#include <QDir>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QVBoxLayout>

#include <csignal>
#include <memory>

Q_DECLARE_METATYPE(streamscope::DemoBanner::Item)

using namespace streamscope;

namespace {

// XLEN through a fresh connection: -1 while the server does not answer.
qint64 xlen(const LocalRedisServer &server, const char *stream) {
    ConnectionSettings settings = server.settings();
    settings.connectTimeoutMs = 500;
    RedisConnection connection(settings);
    if (connection.open())
        return -1;
    auto reply = connection.command({"XLEN", QByteArray(stream)});
    return reply.ok() ? reply.value().integer() : -1;
}

bool isStopped(const shop::ShopDemo &demo, const QString &name) {
    for (const auto &s : demo.stopped())
        if (s.name == name)
            return true;
    return false;
}

} // namespace

class TestDemo : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<LocalRedisServer>(LocalRedisServer::Options{true, {}, 0});
        STREAMSCOPE_START_REDIS(*m_server);
        QVERIFY(m_data.isValid());
        shop::ShopDemo::Options options;
        options.binDir = test::binDir();
        options.dataDir = m_data.path();
        options.redisUrl = m_server->url();
        options.ordersPerSecond = 20;
        options.claimIdleMs = 2000;
        options.crashing = false;
        // Were a killed service restarted by itself, it would be within this.
        options.restartAfterMs = 300;
        options.servers = {m_server.get()};
        m_demo = std::make_unique<shop::ShopDemo>(options);
        const Error started = m_demo->start();
        QVERIFY2(!started, qPrintable(started.message));
        QTRY_VERIFY_WITH_TIMEOUT(xlen(*m_server, shop::names::paymentEvents) > 0, 15000);
        for (const auto &s : m_demo->stopped())
            QFAIL(qPrintable(s.name + QStringLiteral(" stopped at once: ") + s.lastOutput));
    }

    // Each test starts with everything running, whatever the one before left behind.
    void init() {
        if (!m_demo)
            return;
        for (const auto &s : m_demo->stopped())
            (void)m_demo->restart(s.name);
    }

    void cleanupTestCase() {
        m_demo.reset();
        m_server.reset();
    }

    // The text of a row, from what ShopDemo reports: how it stopped, when, its last words, how
    // often, and a failed restart.
    void describe_data() {
        QTest::addColumn<DemoBanner::Item>("item");
        QTest::addColumn<QString>("expected");
        const qint64 at = QDateTime(QDate(2026, 11, 26), QTime(3, 12, 9)).toMSecsSinceEpoch();
        DemoBanner::Item exited{QStringLiteral("order-service"),
                                QStringLiteral("order-service"),
                                false,
                                false,
                                0,
                                1,
                                false,
                                at,
                                QStringLiteral("order-service: starting\norder-service: cannot "
                                               "open orders.db: disk full"),
                                1,
                                {}};
        QTest::newRow("exit code, last line")
            << exited
            << QStringLiteral("The demo's order-service stopped (exit code 1 at 03:12:09; its "
                              "last output: order-service: cannot open orders.db: disk full).");
        DemoBanner::Item killed{QStringLiteral("payments-2"),
                                QStringLiteral("payment-service"),
                                false,
                                false,
                                0,
                                SIGKILL,
                                true,
                                at,
                                {},
                                3,
                                {}};
        QTest::newRow("killed, 3 times")
            << killed
            << QStringLiteral("The demo's payment-service (payments-2) stopped (killed by SIGKILL "
                              "at 03:12:09). It has stopped 3 times since the demo "
                              "started.");
        DemoBanner::Item server{QStringLiteral("redis-server:6390"),
                                QStringLiteral("redis-server"),
                                true,
                                false,
                                6390,
                                0,
                                false,
                                at,
                                QStringLiteral("1:M 26 Nov 2026 03:12:09.001 # Redis is now ready "
                                               "to exit, bye bye..."),
                                1,
                                QStringLiteral("port 6390 is taken")};
        DemoBanner::Item serverKilled = server;
        serverKilled.crashed = true;
        serverKilled.exitCode = SIGKILL;
        serverKilled.restartError.clear();
        QTest::newRow("server killed: its log's last line would mislead")
            << serverKilled
            << QStringLiteral("The demo's private Redis server (port 6390) stopped (killed by "
                              "SIGKILL at 03:12:09). Until it is back the window shows what it saw "
                              "last.");
        DemoBanner::Item planned{QStringLiteral("payments-2"),
                                 QStringLiteral("payment-service"),
                                 false,
                                 false,
                                 0,
                                 70,
                                 false,
                                 at,
                                 QStringLiteral("crashing after 65 messages, as asked "
                                                "(--crash-after)"),
                                 0,
                                 {},
                                 true,
                                 at + 45000};
        DemoBanner::Item node = serverKilled;
        node.clusterNode = true;
        QTest::newRow("cluster node")
            << node
            << QStringLiteral("The demo cluster's node on port 6390 stopped (killed by SIGKILL at "
                              "03:12:09). Started again, it rejoins the cluster.");
        QTest::newRow("planned crash")
            << planned
            << QStringLiteral(
                   "The demo's payment-service (payments-2) crashed as the demo plans, "
                   "to show a dead consumer (exit code 70 at 03:12:09); it comes back by "
                   "itself at 03:12:54.");
        QTest::newRow("server, failed restart")
            << server
            << QStringLiteral("The demo's private Redis server (port 6390) stopped (exit code 0 "
                              "at 03:12:09; its log ends: 1:M 26 Nov 2026 03:12:09.001 # Redis is "
                              "now ready to exit, bye bye...). Until it is back the window shows "
                              "what it saw last. Restarting it failed: port 6390 is taken");
    }
    void describe() {
        QFETCH(DemoBanner::Item, item);
        QFETCH(QString, expected);
        QCOMPARE(DemoBanner::describe(item), expected);
    }

    // SIGKILL both payment instances: each is reported with its name, stays down (no payments
    // while they are), and restart() brings them back: orders get paid again.
    void killedServiceIsReportedAndRestarted() {
        QSignalSpy died(m_demo.get(), &shop::ShopDemo::processDied);
        QSignalSpy changed(m_demo.get(), &shop::ShopDemo::stoppedChanged);
        for (const QString &name : {QStringLiteral("payments-1"), QStringLiteral("payments-2")}) {
            const qint64 pid = m_demo->processId(name);
            QVERIFY(pid > 0);
            QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
        }
        QTRY_COMPARE_WITH_TIMEOUT(died.size(), 2, 5000);
        QStringList names{died.at(0).at(0).toString(), died.at(1).at(0).toString()};
        names.sort();
        QCOMPARE(names, (QStringList{QStringLiteral("payments-1"), QStringLiteral("payments-2")}));
        QCOMPARE(died.at(0).at(1).toInt(), SIGKILL);
        QVERIFY(changed.size() >= 2);
        const auto stopped = m_demo->stopped();
        QCOMPARE(stopped.size(), 2);
        QVERIFY(stopped.at(0).crashed);
        QCOMPARE(stopped.at(0).program, QStringLiteral("payment-service"));
        QVERIFY(!stopped.at(0).server);
        QCOMPARE(stopped.at(0).deaths, 1);
        QVERIFY(stopped.at(0).atMs > 0);
        // Its own log lines are kept, without their time stamp and its name (the banner says
        // both).
        QVERIFY2(stopped.at(0).lastOutput.contains(
                     QStringLiteral("consuming order-events as payment-service/payments-")),
                 qPrintable(stopped.at(0).lastOutput));

        // Not restarted behind the user's back (restartAfterMs is 300 ms), and nothing is paid.
        QTest::qWait(1500);
        QCOMPARE(m_demo->processId(QStringLiteral("payments-1")), 0);
        QCOMPARE(m_demo->processId(QStringLiteral("payments-2")), 0);
        const qint64 paidWhileDown = xlen(*m_server, shop::names::paymentEvents);
        QTest::qWait(1000);
        QCOMPARE(xlen(*m_server, shop::names::paymentEvents), paidWhileDown);

        QSignalSpy restarted(m_demo.get(), &shop::ShopDemo::restarted);
        const Error e = m_demo->restart(QStringLiteral("payments-1"));
        QVERIFY2(!e, qPrintable(e.message));
        QCOMPARE(restarted.size(), 1);
        QVERIFY(m_demo->processId(QStringLiteral("payments-1")) > 0);
        QVERIFY(!isStopped(*m_demo, QStringLiteral("payments-1")));
        QVERIFY(isStopped(*m_demo, QStringLiteral("payments-2")));
        QTRY_VERIFY_WITH_TIMEOUT(xlen(*m_server, shop::names::paymentEvents) > paidWhileDown,
                                 15000);
        QVERIFY(!m_demo->restart(QStringLiteral("payments-2")));
        QVERIFY(m_demo->stopped().isEmpty());
        QVERIFY(m_demo->restart(QStringLiteral("no-such-service")));
    }

    // SIGKILL the private redis-server: reported; restartServer() starts it on the same port
    // with its data (AOF), and the services carry on by themselves.
    void killedServerIsReportedAndRestarted() {
        QSignalSpy died(m_demo.get(), &shop::ShopDemo::serverDied);
        QSignalSpy serviceDied(m_demo.get(), &shop::ShopDemo::processDied);
        const quint16 port = m_server->port();
        const qint64 ordersBefore = xlen(*m_server, shop::names::orderEvents);
        QVERIFY(ordersBefore > 0);
        QCOMPARE(::kill(pid_t(m_server->processId()), SIGKILL), 0);
        QTRY_COMPARE_WITH_TIMEOUT(died.size(), 1, 5000);
        QCOMPARE(died.at(0).at(0).toString(), shop::ShopDemo::serverName(port));
        QCOMPARE(m_demo->stopped().size(), 1);
        const auto stopped = m_demo->stopped().constFirst();
        QVERIFY(stopped.server);
        QVERIFY(stopped.crashed);
        QCOMPARE(stopped.port, port);
        QCOMPARE(xlen(*m_server, shop::names::orderEvents), -1);

        const Error e = m_demo->restartServer();
        QVERIFY2(!e, qPrintable(e.message));
        QCOMPARE(m_server->port(), port);
        QVERIFY(m_demo->stopped().isEmpty());
        QVERIFY(xlen(*m_server, shop::names::orderEvents) >= ordersBefore);
        // The services reconnect by themselves: orders are placed and paid again.
        const qint64 paid = xlen(*m_server, shop::names::paymentEvents);
        QTRY_VERIFY_WITH_TIMEOUT(xlen(*m_server, shop::names::paymentEvents) > paid, 20000);
        QCOMPARE(serviceDied.size(), 0);
    }

    // The banner shows what died and how often; its button restarts it, and it goes when
    // everything runs again.
    void bannerSaysAndRestarts() {
        QWidget window; // as the main window holds it
        auto *layout = new QVBoxLayout(&window);
        auto &banner = *new DemoBanner;
        layout->addWidget(&banner);
        layout->addStretch();
        window.resize(900, 200);
        showDemoOn(&banner, m_demo.get());
        window.show();
        QVERIFY(!banner.isVisible());
        const QString name = QStringLiteral("notification-service");
        for (int death = 1; death <= 2; ++death) {
            QCOMPARE(::kill(pid_t(m_demo->processId(name)), SIGKILL), 0);
            QTRY_VERIFY_WITH_TIMEOUT(banner.isVisible(), 5000);
            QVERIFY2(banner.text().startsWith(QStringLiteral("The demo's notification-service "
                                                             "stopped (killed by SIGKILL "
                                                             "at ")),
                     qPrintable(banner.text()));
            QCOMPARE(banner.text().contains(QLatin1String("It has stopped 2 times")), death == 2);
            auto *button = banner.findChild<QPushButton *>(QStringLiteral("restart:") + name);
            QVERIFY(button);
            QCOMPARE(button->text(), QStringLiteral("Restart it"));
            if (death == 2)
                banner.grab().save(QDir::temp().filePath(QStringLiteral("tst_demo-banner.png")));
            button->click();
            QVERIFY(m_demo->processId(name) > 0);
            QTRY_VERIFY(!banner.isVisible());
        }
        // The server's row and its button.
        QCOMPARE(::kill(pid_t(m_server->processId()), SIGKILL), 0);
        QTRY_VERIFY_WITH_TIMEOUT(banner.isVisible(), 5000);
        QVERIFY2(
            banner.text().startsWith(QStringLiteral("The demo's private Redis server (port %1) "
                                                    "stopped")
                                         .arg(m_server->port())),
            qPrintable(banner.text()));
        auto *button = banner.findChild<QPushButton *>(
            QStringLiteral("restart:") + shop::ShopDemo::serverName(m_server->port()));
        QVERIFY(button);
        button->click();
        QVERIFY(m_server->isRunning());
        QTRY_VERIFY(!banner.isVisible());
        QVERIFY(xlen(*m_server, shop::names::orderEvents) > 0);
    }

    // What stop() ends is not reported.
    void stoppingReportsNothing() {
        QSignalSpy died(m_demo.get(), &shop::ShopDemo::processDied);
        QSignalSpy serverDied(m_demo.get(), &shop::ShopDemo::serverDied);
        m_demo->stop();
        m_server->stop();
        QTest::qWait(200);
        QCOMPARE(died.size(), 0);
        QCOMPARE(serverDied.size(), 0);
        QVERIFY(m_demo->stopped().isEmpty());
    }

    // The demo's own crash of payments-2 is said as planned, not counted, and comes back by
    // itself.
    void plannedCrashComesBackByItself() {
        STREAMSCOPE_START_REDIS(*m_server);
        QTemporaryDir data;
        shop::ShopDemo::Options options;
        options.binDir = test::binDir();
        options.dataDir = data.path();
        options.redisUrl = m_server->url();
        options.ordersPerSecond = 20;
        options.crashAfterMin = 3;
        options.crashAfterMax = 4;
        options.restartAfterMs = 1000;
        options.servers = {m_server.get()};
        shop::ShopDemo demo(options);
        QSignalSpy died(&demo, &shop::ShopDemo::processDied);
        QSignalSpy restarted(&demo, &shop::ShopDemo::restarted);
        const Error started = demo.start();
        QVERIFY2(!started, qPrintable(started.message));
        QTRY_VERIFY_WITH_TIMEOUT(!died.isEmpty(), 10000);
        // Any other death is a failure of its own: say what that process said last.
        QVERIFY2(died.at(0).at(0).toString() == QLatin1String("payments-2"),
                 qPrintable(QStringLiteral("%1 stopped (exit code %2): %3")
                                .arg(died.at(0).at(0).toString())
                                .arg(died.at(0).at(1).toInt())
                                .arg(died.at(0).at(2).toString())));
        QCOMPARE(died.at(0).at(1).toInt(), 70);
        QCOMPARE(demo.stopped().size(), 1);
        const auto crash = demo.stopped().constFirst();
        QVERIFY(crash.planned);
        QCOMPARE(crash.deaths, 0);
        QCOMPARE(crash.restartAtMs, crash.atMs + 1000);
        QVERIFY2(crash.lastOutput.contains(QLatin1String("--crash-after")),
                 qPrintable(crash.lastOutput));
        QTRY_VERIFY_WITH_TIMEOUT(!restarted.isEmpty(), 5000);
        QCOMPARE(restarted.at(0).at(0).toString(), QStringLiteral("payments-2"));
        demo.stop();
    }

private:
    QTemporaryDir m_data;
    std::unique_ptr<LocalRedisServer> m_server;
    std::unique_ptr<shop::ShopDemo> m_demo;
};

QTEST_MAIN(TestDemo)
#include "tst_demo.moc"
