// The reference shop and dead-lettering on a real 3-primary, 3-replica Redis Cluster
// (LocalRedisCluster, started once for the executable), with the real service processes: the
// relay publishes, every order is paid exactly once through SIGKILLed payment instances and a
// primary failover, poison goes to {order-events}:dlq, dead-lettering across slots is
// idempotent, and `streamscope --demo --cluster` leaves no node behind when it is SIGKILLed.

#include "ClusterClient.h"
#include "ClusterSlots.h"
#include "DeadLetter.h"
#include "LocalRedisCluster.h"
#include "ServiceProcess.h"
#include "ShopChecks.h"
#include "Stores.h"
#include "StreamEntry.h"
#include "TestRedis.h"

#include <QDir>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <map>

using namespace streamscope;

namespace {

using Service = test::ServiceProcess;
using test::binDir;

// Whether a process is gone (or only a zombie waiting for its new parent to reap it).
bool processGone(qint64 pid) {
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray text = stat.readAll();
    const qsizetype close = text.lastIndexOf(')');
    return close < 0 || text.mid(close + 2, 1) == "Z";
}

// The children of pid, from /proc.
QList<qint64> childrenOf(qint64 pid) {
    QList<qint64> out;
    for (const QString &entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        bool ok = false;
        const qint64 child = entry.toLongLong(&ok);
        if (!ok)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(child));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields.at(1).toLongLong() == pid)
            out << child;
    }
    return out;
}

} // namespace

class TestClusterShop : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Service> service(const QString &program, QStringList args) {
        args = QStringList{QStringLiteral("--url"), m_cluster->url(0)} + args;
        auto s = std::make_unique<Service>(
            program, args, m_dir->filePath(program + QString::number(m_logCounter++) + ".log"));
        if (!s->start())
            QTest::qFail(qPrintable(QStringLiteral("cannot start ") + program), __FILE__, __LINE__);
        return s;
    }
    std::unique_ptr<Service> orderService(QStringList extra = {}) {
        return service(QStringLiteral("order-service"),
                       QStringList{QStringLiteral("--http"), QStringLiteral("0"),
                                   QStringLiteral("--db"), m_dir->filePath("orders.db")}
                           + extra);
    }
    std::unique_ptr<Service> paymentService(const QString &consumer, QStringList extra = {}) {
        return service(QStringLiteral("payment-service"),
                       QStringList{QStringLiteral("--consumer"), consumer, QStringLiteral("--db"),
                                   m_dir->filePath("payments.db"),
                                   QStringLiteral("--claim-idle-ms"), QStringLiteral("1000")}
                           + extra);
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
    // The primary serving key's slot, by its index in m_cluster.
    int primaryOf(const QByteArray &key) {
        auto *cluster = static_cast<ClusterClient *>(m_admin.get());
        const QString endpoint = cluster->endpointForSlot(cluster::keySlot(key));
        for (int i = 0; i < m_cluster->size(); ++i)
            if (endpoint == QStringLiteral("127.0.0.1:%1").arg(m_cluster->node(i).port()))
                return i;
        return -1;
    }
    // An entry of stream delivered to (pending in) group; returns its ID.
    QByteArray pendingEntry(const QByteArray &stream, const QByteArray &group) {
        const QByteArray id = run({"XADD", stream, "*", "job", "7"}).bytes();
        run({"XGROUP", "CREATE", stream, group, "0"});
        run({"XREADGROUP", "GROUP", group, "c1", "COUNT", "10", "STREAMS", stream, ">"});
        return id;
    }

    // The node replicating primary (indexes into m_cluster), or -1.
    int replicaOf(int primary) {
        const QByteArray nodeId =
            test::run(*test::connectTo(m_cluster->settings(primary)), {"CLUSTER", "MYID"}).bytes();
        for (int i = 0; i < m_cluster->size(); ++i) {
            if (i == primary || !m_cluster->node(i).isRunning())
                continue;
            auto c = test::connectTo(m_cluster->settings(i));
            if (test::run(*c, {"CLUSTER", "NODES"}).bytes().contains("myself,slave " + nodeId))
                return i;
        }
        return -1;
    }
    bool isPrimary(int node) {
        return test::run(*test::connectTo(m_cluster->settings(node)), {"INFO", "replication"})
            .bytes()
            .contains("role:master");
    }
    // Every order has exactly one payment event, its status agrees, nothing is left pending.
    void verifyExactlyOnce(int orders) {
        QTRY_COMPARE_WITH_TIMEOUT(xlen("payment-events"), qint64(orders), 60000);
        QTRY_COMPARE_WITH_TIMEOUT(pendingCount("order-events", "payment-service"), qint64(0),
                                  30000);
        QTRY_COMPARE_WITH_TIMEOUT(orderStatuses().value(QStringLiteral("placed")), qint64(0),
                                  30000);
        QTest::qWait(1500); // anything still in flight would show up now
        QCOMPARE(xlen("payment-events"), qint64(orders));
        QCOMPARE(xlen("order-events"), qint64(orders));

        const test::PaymentOutcomes outcome = test::paymentOutcomes(*m_admin);
        QVERIFY2(outcome.twice.isEmpty(), qPrintable(outcome.twiceText()));
        QCOMPARE(qint64(outcome.byOrder.size()), qint64(orders));
        const qint64 completed = outcome.completed();
        const QHash<QString, qint64> statuses = orderStatuses();
        QCOMPARE(statuses.value(QStringLiteral("paid")), completed);
        QCOMPARE(statuses.value(QStringLiteral("payment_failed")), qint64(orders) - completed);
        QCOMPARE(xlen("{order-events}:dlq"), qint64(0));
    }

private Q_SLOTS:
    void initTestCase() {
        m_cluster = std::make_unique<LocalRedisCluster>();
        QElapsedTimer clock;
        clock.start();
        const Error e = m_cluster->start();
        QVERIFY2(!e, qPrintable(QStringLiteral("cannot start the test cluster: ") + e.message));
        qInfo("cluster of %d nodes up in %lld ms", m_cluster->size(), clock.elapsed());
    }
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_admin = std::make_unique<ClusterClient>(m_cluster->settings(0));
        const Error e = m_admin->open();
        QVERIFY2(!e, qPrintable(e.message));
        for (const RedisClient::NodeReply &node : m_admin->onEveryPrimary({"FLUSHALL"}))
            QVERIFY2(node.reply.ok(), qPrintable(node.endpoint));
    }
    void cleanup() {
        if (QTest::currentTestFailed())
            for (const QString &name : QDir(m_dir->path()).entryList({QStringLiteral("*.log")}))
                qWarning("%s:\n%s", qPrintable(name), qPrintable(QString::fromUtf8([&] {
                             QFile f(m_dir->filePath(name));
                             f.open(QIODevice::ReadOnly);
                             return f.readAll().right(3000);
                         }())));
        m_admin.reset();
    }
    void cleanupTestCase() { m_cluster.reset(); }

    // The names: the shop's helper keys share their stream's slot; the default dead-letter
    // names that do and do not.
    void namesKeepTheirSlot() {
        QCOMPARE(cluster::keySlot("{order-events}:published:42"), cluster::keySlot("order-events"));
        QCOMPARE(sameSlotDeadLetterStream("order-events"), QByteArray("{order-events}:dlq"));
        QCOMPARE(sameSlotDeadLetterStream("{orders}:new"), QByteArray("{orders}:new:dlq"));
        QVERIFY(cluster::keySlot("order-events:dlq") != cluster::keySlot("order-events"));
        for (const QByteArray &target : {QByteArray("jobs:dlq"), QByteArray("{x}:dlq"),
                                         QByteArray("a{}b:dlq"), QByteArray("a{b")})
            QCOMPARE(cluster::keySlot(deadLetterMarker(target, "s", "g", "1-0")),
                     cluster::keySlot(target));
    }

    // Orders placed over the relay are paid (CROSSSLOT kept them "placed" before), the
    // notification service hears of them, and a poison message goes to {order-events}:dlq
    // (MOVED used to stop the payment service while it dead-lettered).
    void ordersArePaidAndPoisonDeadLettered() {
        auto orders = orderService({QStringLiteral("--generate"), QStringLiteral("200"),
                                    QStringLiteral("--orders"), QStringLiteral("50")});
        auto payments = paymentService(QStringLiteral("p1"),
                                       {QStringLiteral("--max-deliveries"), QStringLiteral("2"),
                                        QStringLiteral("--retry-ms"), QStringLiteral("100")});
        auto notifier = service(QStringLiteral("notification-service"), {});
        QTRY_COMPARE_WITH_TIMEOUT(orderStatuses().value(QStringLiteral("paid")), qint64(50), 20000);
        QCOMPARE(xlen("order-events"), qint64(50));
        QCOMPARE(xlen("payment-events"), qint64(50));
        QCOMPARE(run({"EXISTS", "{order-events}:published:50"}).integer(), 1);
        QCOMPARE(run({"EXISTS", "{payment-events}:published:50"}).integer(), 1);
        QTRY_COMPARE(pendingCount("payment-events", "notification-service"), qint64(0));

        const QByteArray poison = run({"XADD", "order-events", "*", "type", "order.created",
                                       "orderId", "77", "amount", "abc"})
                                      .bytes();
        QTRY_COMPARE_WITH_TIMEOUT(xlen("{order-events}:dlq"), qint64(1), 15000);
        QCOMPARE(readAll("{order-events}:dlq").first().value("dlq.id"), poison);
        QTRY_COMPARE(pendingCount("order-events", "payment-service"), qint64(0));
        QVERIFY(payments->running());
        QVERIFY(orders->running());
        QVERIFY(notifier->running());
    }

    // Dead-lettering where the dead-letter stream is in another slot: the copy first, then the
    // XACK; a crash between them (the copy done alone) and a retry leave one copy and the entry
    // acknowledged; a copy that cannot be written acknowledges nothing.
    void deadLetterAcrossSlots() {
        QVERIFY(cluster::keySlot("jobs:dlq") != cluster::keySlot("jobs"));
        const QByteArray id = pendingEntry("jobs", "g");
        QCOMPARE(pendingCount("jobs", "g"), qint64(1));

        const StreamEntry entry = StreamEntry::make("jobs", StreamId::fromServer(id), {"job", "7"});
        const DeadLetterRequest request{"jobs", "g", entry, 3, QStringLiteral("test"), "c1", {}};
        auto copied = deadLetterCopy(*m_admin, request); // and then the process dies
        QVERIFY2(copied.ok(), qPrintable(copied.error().message));
        QCOMPARE(xlen("jobs:dlq"), qint64(1));
        QCOMPARE(pendingCount("jobs", "g"), qint64(1)); // not acknowledged before the copy

        auto moved = deadLetterPending(*m_admin, "jobs", "g", id, QStringLiteral("retry"));
        QVERIFY2(moved.ok(), qPrintable(moved.error().message));
        QCOMPARE(moved->kind, DeadLetterOutcome::Kind::Moved);
        QCOMPARE(moved->deadLetterId, copied.value()); // the first copy, not a second one
        QCOMPARE(xlen("jobs:dlq"), qint64(1));
        QCOMPARE(pendingCount("jobs", "g"), qint64(0));
        const StreamEntry dead = readAll("jobs:dlq").first();
        QCOMPARE(dead.value("dlq.id"), id);
        QCOMPARE(dead.value("job"), QByteArray("7"));

        // The target is not a stream: nothing copied, nothing acknowledged.
        const QByteArray other = pendingEntry("work", "g");
        QVERIFY(cluster::keySlot("work:dlq") != cluster::keySlot("work"));
        run({"SET", "work:dlq", "not a stream"});
        auto refused = deadLetterPending(*m_admin, "work", "g", other, QStringLiteral("x"));
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.contains(QLatin1String("still pending")),
                 qPrintable(refused.error().message));
        QCOMPARE(pendingCount("work", "g"), qint64(1));

        // In the source's slot, on the cluster: one MULTI/EXEC, as on one server.
        const QByteArray same = sameSlotDeadLetterStream("work");
        QCOMPARE(cluster::keySlot(same), cluster::keySlot("work"));
        auto atomic = deadLetterPending(*m_admin, "work", "g", other, QStringLiteral("x"), same);
        QVERIFY2(atomic.ok(), qPrintable(atomic.error().message));
        QCOMPARE(xlen(same), qint64(1));
        QCOMPARE(pendingCount("work", "g"), qint64(0));
        QCOMPARE(run({"EXISTS", deadLetterMarker(same, "work", "g", other)}).integer(), 0);
    }

    // streamscope-cli dead-letter to the default STREAM:dlq, in another slot: copied, then
    // acknowledged; its output is the one of a single server.
    void cliDeadLetterAcrossSlots() {
        const QByteArray id = pendingEntry("jobs", "g");
        QProcess cli;
        cli.start(binDir() + QStringLiteral("/streamscope-cli"),
                  {QStringLiteral("--url"), m_cluster->url(0), QStringLiteral("dead-letter"),
                   QStringLiteral("jobs"), QStringLiteral("g"), QString::fromUtf8(id)});
        QVERIFY(cli.waitForFinished(20000));
        const QByteArray out = cli.readAllStandardOutput();
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QVERIFY2(out.startsWith(id + " -> jobs:dlq "), out.constData());
        QCOMPARE(xlen("jobs:dlq"), qint64(1));
        QCOMPARE(pendingCount("jobs", "g"), qint64(0));
    }

    // 600 orders while the primary of payment-events and order-events, the node in the
    // services' --url, is SIGKILLed (its replica takes over after the node timeout): the
    // services reconnect through the other nodes; what was published is on the replica before
    // the order entry is acknowledged (WAIT), so no event is lost and none is published twice.
    // The node comes back afterwards, as a replica.
    void exactlyOnceThroughAKilledPrimary() {
        const int orders = 600;
        auto ordersService = orderService({QStringLiteral("--generate"), QStringLiteral("100"),
                                           QStringLiteral("--orders"), QString::number(orders)});
        auto p1 = paymentService(QStringLiteral("p1"));
        auto p2 = paymentService(QStringLiteral("p2"));
        QTest::qWait(QRandomGenerator::global()->bounded(1500, 2500));
        const int primary = primaryOf("payment-events");
        QVERIFY(primary >= 0);
        QVERIFY2(primary == 0, "node 0 serves slots 0-5460 after start()");
        QCOMPARE(primaryOf("order-events"), primary);
        const int replica = replicaOf(primary);
        QVERIFY(replica >= 0);
        qInfo("SIGKILL of payment-events' primary 127.0.0.1:%d while orders are paid",
              m_cluster->node(primary).port());
        m_cluster->node(primary).kill();
        QElapsedTimer clock;
        clock.start();
        QTRY_VERIFY_WITH_TIMEOUT(isPrimary(replica), 20000);
        const Error healthy = m_cluster->waitUntilHealthy(20000);
        QVERIFY2(!healthy, qPrintable(healthy.message));
        qInfo("its replica 127.0.0.1:%d took over within %lld ms", m_cluster->node(replica).port(),
              clock.elapsed());
        verifyExactlyOnce(orders);
        QVERIFY(p1->running());
        QVERIFY(p2->running());

        const Error back = m_cluster->node(primary).start();
        QVERIFY2(!back, qPrintable(back.message));
        QTRY_VERIFY_WITH_TIMEOUT(replicaOf(replica) == primary, 20000);
        const Error whole = m_cluster->waitUntilHealthy(20000);
        QVERIFY2(!whole, qPrintable(whole.message));
    }

    // 600 orders through two payment instances while one is SIGKILLed three times and the
    // primary of payment-events fails over (CLUSTER FAILOVER on its replica): exactly one
    // payment event per order, matching statuses, nothing left pending.
    void exactlyOnceThroughKillsAndAFailover() {
        const int orders = 600;
        auto ordersService = orderService({QStringLiteral("--generate"), QStringLiteral("100"),
                                           QStringLiteral("--orders"), QString::number(orders)});
        auto steady = paymentService(QStringLiteral("p1"),
                                     {QStringLiteral("--fail-rate"), QStringLiteral("0.1")});
        auto victim = paymentService(QStringLiteral("p2"),
                                     {QStringLiteral("--fail-rate"), QStringLiteral("0.1")});
        auto *random = QRandomGenerator::global();
        for (int kill = 0; kill < 3; ++kill) {
            QTest::qWait(random->bounded(300, 1000));
            victim->kill();
            QTest::qWait(random->bounded(100, 500));
            QVERIFY(victim->start());
            if (kill == 1) { // mid-stream: the primary of payment-events hands over
                const int primary = primaryOf("payment-events");
                QVERIFY(primary >= 0);
                const int replica = replicaOf(primary);
                QVERIFY(replica >= 0);
                const RedisReply done = test::run(*test::connectTo(m_cluster->settings(replica)),
                                                  {"CLUSTER", "FAILOVER"});
                QVERIFY2(!done.isError(), qPrintable(done.errorMessage()));
                QTRY_VERIFY_WITH_TIMEOUT(test::run(*test::connectTo(m_cluster->settings(replica)),
                                                   {"INFO", "replication"})
                                             .bytes()
                                             .contains("role:master"),
                                         10000);
                qInfo("payment-events' primary 127.0.0.1:%d handed over to its replica "
                      "127.0.0.1:%d while orders were paid",
                      m_cluster->node(primary).port(), m_cluster->node(replica).port());
                const Error healthy = m_cluster->waitUntilHealthy();
                QVERIFY2(!healthy, qPrintable(healthy.message));
            }
        }

        verifyExactlyOnce(orders);
        QVERIFY(steady->running());
    }

    // `--cluster` needs `--demo`; `streamscope --demo --cluster` starts a private cluster with
    // the shop on it, and when the app is SIGKILLed every node and service dies with it.
    void demoClusterDiesWithItsParent() {
        const QString app = binDir() + QStringLiteral("/streamscope");
        QVERIFY2(QFileInfo(app).isExecutable(), qPrintable(app));
        QProcess alone;
        alone.start(app, {QStringLiteral("--cluster")});
        QVERIFY(alone.waitForFinished(20000));
        QCOMPARE(alone.exitCode(), 2);
        QVERIFY2(alone.readAllStandardError().contains("--cluster only goes with --demo"),
                 "the refusal says why");

        QProcess demo;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir->filePath("config"));
        demo.setProcessEnvironment(environment);
        dieWithParent(demo);
        demo.start(app, {QStringLiteral("--demo"), QStringLiteral("--cluster")});
        QVERIFY(demo.waitForStarted(5000));
        QByteArray said;
        QList<qint64> nodePids;
        quint16 port = 0;
        static const QRegularExpression node(
            QStringLiteral("127\\.0\\.0\\.1:(\\d+) \\(pid (\\d+)\\)"));
        QElapsedTimer clock;
        clock.start();
        while (nodePids.size() < 6 && clock.elapsed() < 60000
               && demo.state() == QProcess::Running) {
            demo.waitForReadyRead(200);
            said += demo.readAllStandardError();
            const QString line = QString::fromUtf8(said);
            if (!line.contains(QLatin1String("private Redis Cluster")))
                continue;
            nodePids.clear();
            for (auto it = node.globalMatch(line); it.hasNext();) {
                const auto m = it.next();
                if (!port)
                    port = quint16(m.captured(1).toUInt());
                nodePids << m.captured(2).toLongLong();
            }
        }
        QVERIFY2(nodePids.size() == 6, said.constData());

        // The shop runs on it: orders go out and are paid.
        ConnectionSettings settings = m_cluster->settings(0);
        settings.port = port;
        ClusterClient client(settings);
        QVERIFY(!client.open());
        auto paid = [&] {
            auto reply = client.command({"XLEN", "payment-events"});
            return reply.ok() && reply->integer() > 0;
        };
        QTRY_VERIFY_WITH_TIMEOUT(paid(), 20000);

        // What a SIGKILLed app cannot remove: the nodes' directories and the shop's data.
        QStringList leftovers;
        for (const qint64 pid : nodePids)
            leftovers << QFileInfo(QStringLiteral("/proc/%1/cwd").arg(pid)).symLinkTarget();
        static const QRegularExpression data(QStringLiteral("the shop's data in ([^)]+)\\)"));
        leftovers << data.match(QString::fromUtf8(said)).captured(1);
        for (const QString &dir : leftovers)
            QVERIFY2(dir.startsWith(QDir::tempPath() + QLatin1Char('/')), qPrintable(dir));
        auto removeLeftovers = qScopeGuard([&] {
            for (const QString &dir : leftovers)
                if (dir.startsWith(QDir::tempPath() + QLatin1Char('/')))
                    QDir(dir).removeRecursively();
        });
        const QList<qint64> children = childrenOf(demo.processId());
        for (const qint64 pid : nodePids)
            QVERIFY2(children.contains(pid), "the nodes are the app's children");
        QVERIFY(children.size() >= 6 + 4); // the nodes and the four services
        ::kill(pid_t(demo.processId()), SIGKILL);
        QVERIFY(demo.waitForFinished(5000));
        for (const qint64 pid : children)
            QTRY_VERIFY2_WITH_TIMEOUT(
                processGone(pid),
                qPrintable(QStringLiteral("process %1 outlived the app").arg(pid)), 10000);
        removeLeftovers.dismiss();
        for (const QString &dir : leftovers) {
            QDir(dir).removeRecursively();
            QVERIFY2(!QFileInfo::exists(dir), qPrintable(dir));
        }
    }

private:
    std::unique_ptr<LocalRedisCluster> m_cluster;
    std::unique_ptr<RedisClient> m_admin;
    std::unique_ptr<QTemporaryDir> m_dir;
    int m_logCounter = 0;
};

QTEST_GUILESS_MAIN(TestClusterShop)
#include "tst_cluster_shop.moc"
