// Monitoring a replica on purpose: a real primary and a real replica of it (redis-server
// --replicaof), the CLI run as a process and the poller on its thread.
#include "CliProcess.h"
#include "GroupStatus.h"
#include "ReplicaRole.h"
#include "ServerPoller.h"
#include "ServiceProcess.h"
#include "TestRedis.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace streamscope;
using namespace streamscope::test;

namespace {

using Run = CliRun;

ServerPoller::Options fastPoll() {
    ServerPoller::Options o;
    o.intervalMs = 100;
    o.lengthIntervalMs = 200;
    o.listIntervalMs = 400;
    return o;
}

// What the poller said last.
struct PollerWatch : QObject {
    QList<ServerInfo> infos;
    QList<GroupSnapshot> snapshots;
    QList<Error> failures;
    void attach(ServerPoller *poller) {
        connect(poller, &ServerPoller::serverInfo, this,
                [this](const ServerInfo &i) { infos.append(i); });
        connect(poller, &ServerPoller::groupSnapshot, this,
                [this](const GroupSnapshot &s) { snapshots.append(s); });
        connect(poller, &ServerPoller::pollFailed, this,
                [this](const Error &e, PollArea) { failures.append(e); });
    }
    std::optional<GroupStatus> group(const QByteArray &stream, const QByteArray &name) const {
        if (snapshots.isEmpty())
            return std::nullopt;
        for (const StreamStatus &s : snapshots.last().streams)
            for (const GroupStatus &g : s.groups)
                if (s.info.name == stream && g.name == name)
                    return g;
        return std::nullopt;
    }
};

} // namespace

class TestReplica : public QObject {
    Q_OBJECT
private:
    Run cli(const LocalRedisServer &server, const QStringList &args) {
        return runProgram(m_binary, QStringList{QStringLiteral("-u"), server.url()} + args);
    }
    QJsonObject groupJson(const LocalRedisServer &server, const QByteArray &stream) {
        const Run r = cli(server, {QStringLiteral("groups"), QString::fromUtf8(stream),
                                   QStringLiteral("--json")});
        if (r.exitCode != 0)
            qWarning() << r.err;
        const QJsonArray groups = QJsonDocument::fromJson(r.out).array();
        return groups.isEmpty() ? QJsonObject() : groups.first().toObject();
    }
    // Until the replica has what the primary wrote.
    void synced() {
        const RedisReply acked = run(*m_writer, {"WAIT", "1", "5000"});
        QCOMPARE(acked.integer(), 1);
    }
    QString primaryEndpoint() const { return QStringLiteral("127.0.0.1:%1").arg(m_primary.port()); }

    QTemporaryDir m_dir;
    std::unique_ptr<LocalRedisServer> m_replicaServer;
    LocalRedisServer m_primary{LocalRedisServer::Options{
        false, {QStringLiteral("--repl-diskless-sync-delay"), QStringLiteral("0")}, 0}};
    std::unique_ptr<RedisConnection> m_writer; // on the primary
    std::unique_ptr<RedisConnection> m_reader; // on the replica
    QString m_binary;

    LocalRedisServer &replica() { return *m_replicaServer; }

private Q_SLOTS:
    void initTestCase() {
        const QString dir = qEnvironmentVariable("STREAMSCOPE_BIN_DIR");
        m_binary = (dir.isEmpty() ? QCoreApplication::applicationDirPath() : dir)
                   + QStringLiteral("/streamscope-cli");
        QVERIFY2(QFile::exists(m_binary), qPrintable(m_binary + QStringLiteral(" not built")));
        STREAMSCOPE_START_REDIS(m_primary);
        m_writer = connectTo(m_primary.settings());

        // Copied by the replica's full sync: its entries-read (2) comes along, and stays 2
        // there while the group reads on.
        run(*m_writer, {"XGROUP", "CREATE", "synced", "g", "0", "MKSTREAM"});
        addEntries(*m_writer, "synced", 0, 5);
        run(*m_writer, {"XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "synced", ">"});

        m_replicaServer = std::make_unique<LocalRedisServer>(
            LocalRedisServer::Options{false,
                                      {QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"),
                                       QString::number(m_primary.port())},
                                      0});
        STREAMSCOPE_START_REDIS(replica());
        m_reader = connectTo(replica().settings());
        QTRY_VERIFY_WITH_TIMEOUT(
            ReplicationState::fromInfo(run(*m_reader, {"INFO", "replication"}).bytes()).linkUp,
            15000);

        // Since the sync: replicated command by command.
        run(*m_writer, {"XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "synced", ">"});
        addEntries(*m_writer, "synced", 5, 3); // primary: 8 added, 3 read, lag 5

        run(*m_writer, {"XGROUP", "CREATE", "caught", "g", "0", "MKSTREAM"});
        addEntries(*m_writer, "caught", 0, 4);
        run(*m_writer, {"XREADGROUP", "GROUP", "g", "c", "STREAMS", "caught", ">"});

        run(*m_writer, {"XGROUP", "CREATE", "few", "g", "0", "MKSTREAM"});
        addEntries(*m_writer, "few", 0, 5);
        run(*m_writer, {"XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "few", ">"});

        run(*m_writer, {"XGROUP", "CREATE", "many", "g", "0", "MKSTREAM"});
        addEntries(*m_writer, "many", 0, 150);
        // Read past the first entry: the server cannot derive the lag from the stream alone.
        run(*m_writer, {"XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "many", ">"});
        // Nothing can follow the greatest ID, whatever entries-read (0) says.
        addEntries(*m_writer, "maxed", 0, 3);
        run(*m_writer, {"XGROUP", "CREATE", "maxed", "g",
                        "18446744073709551615-18446744073709551615", "ENTRIESREAD", "0"});
        synced();
    }

    void roleInStreamsJson() {
        const Run json = cli(replica(), {QStringLiteral("streams"), QStringLiteral("--json")});
        QCOMPARE(json.exitCode, 0);
        const QJsonObject server =
            QJsonDocument::fromJson(json.out).object().value(QStringLiteral("server")).toObject();
        QCOMPARE(server.value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
        QCOMPARE(server.value(QStringLiteral("primary")).toString(), primaryEndpoint());
        QCOMPARE(server.value(QStringLiteral("link")).toString(), QStringLiteral("up"));
        QVERIFY2(server.value(QStringLiteral("replication_lag_bytes")).isDouble(), json.out);
        QVERIFY(server.value(QStringLiteral("replication_lag_bytes")).toInteger() >= 0);
        QVERIFY(!server.value(QStringLiteral("lag_note")).toString().isEmpty());

        const Run text = cli(replica(), {QStringLiteral("streams")});
        QCOMPARE(text.exitCode, 0);
        const QByteArray firstLine = text.out.left(text.out.indexOf('\n'));
        QVERIFY2(firstLine.startsWith("Server: replica of " + primaryEndpoint().toUtf8()
                                      + ", link up, "),
                 text.out.constData());
        QVERIFY2(text.out.contains("\nNAME"), text.out.constData());

        const Run onPrimary = cli(m_primary, {QStringLiteral("streams"), QStringLiteral("--json")});
        QCOMPARE(onPrimary.exitCode, 0);
        const QJsonObject primary = QJsonDocument::fromJson(onPrimary.out)
                                        .object()
                                        .value(QStringLiteral("server"))
                                        .toObject();
        QCOMPARE(primary.value(QStringLiteral("role")).toString(), QStringLiteral("primary"));
        QCOMPARE(primary.value(QStringLiteral("replicas")).toInt(), 1);
        QVERIFY(primary.value(QStringLiteral("primary")).isNull());
        const Run primaryText = cli(m_primary, {QStringLiteral("streams")});
        QVERIFY2(primaryText.out.startsWith("Server: primary, 1 replica\n"),
                 primaryText.out.constData());
    }

    void roleInServerInfo() {
        PollerController poller(replica().settings(), fastPoll());
        PollerWatch watch;
        watch.attach(poller.poller());
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(!watch.infos.isEmpty(), 10000);
        const ServerInfo info = watch.infos.first(); // on connect, not a listing later
        QCOMPARE(info.role, ServerInfo::Role::Replica);
        QCOMPARE(info.primaryEndpoint, primaryEndpoint());
        QVERIFY(info.primaryLinkUp);
        QVERIFY(info.replicationLagBytes >= 0);
        QVERIFY2(info.roleText.startsWith(QStringLiteral("replica of ") + primaryEndpoint()),
                 qPrintable(info.roleText));
        QVERIFY(watch.failures.isEmpty());
        poller.stop();

        PollerController onPrimary(m_primary.settings(), fastPoll());
        PollerWatch primaryWatch;
        primaryWatch.attach(onPrimary.poller());
        onPrimary.start();
        QTRY_VERIFY_WITH_TIMEOUT(!primaryWatch.infos.isEmpty(), 10000);
        QCOMPARE(primaryWatch.infos.first().role, ServerInfo::Role::Primary);
        QCOMPARE(primaryWatch.infos.first().connectedReplicas, 1);
        onPrimary.stop();
    }

    // The primary's lag where a replica can count it; "at least" the bound where it cannot.
    void groupLagOnReplica_data() {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<qint64>("lag");
        QTest::addColumn<bool>("estimated");
        QTest::newRow("caught up") << QByteArray("caught") << qint64(0) << false;
        QTest::newRow("behind by a few") << QByteArray("few") << qint64(3) << false;
        // The replica keeps entries-read 2 from its full sync: the server says 6.
        QTest::newRow("entries-read from the full sync")
            << QByteArray("synced") << qint64(5) << false;
        QTest::newRow("at the greatest ID") << QByteArray("maxed") << qint64(0) << false;
        QTest::newRow("beyond the bound") << QByteArray("many") << qint64(100) << true;
    }
    void groupLagOnReplica() {
        QFETCH(QByteArray, stream);
        QFETCH(qint64, lag);
        QFETCH(bool, estimated);
        auto onPrimary = fetchStreamStatus(*m_writer, {stream}, 70015);
        QVERIFY2(onPrimary.ok(), qPrintable(onPrimary.error().message));
        const GroupStatus truth = onPrimary->first().groups.first();
        QVERIFY(truth.lag);
        QCOMPARE(*truth.lag, estimated ? 148 : lag);

        // Asked without saying it is a replica, as the CLI and the doctor do.
        auto status = fetchStreamStatus(*m_reader, {stream}, 70015);
        QVERIFY2(status.ok(), qPrintable(status.error().message));
        const GroupStatus g = status->first().groups.first();
        QVERIFY2(g.lag, qPrintable(g.lagNote));
        QCOMPARE(*g.lag, lag);
        QCOMPARE(g.lagEstimated, estimated);
        QVERIFY(!g.entriesRead); // the replica's is stale or nil: never shown as a figure
        if (estimated)
            QVERIFY2(g.lagNote.contains(QLatin1String("at least 100")), qPrintable(g.lagNote));
        QVERIFY2(!g.lagNote.contains(QLatin1String("SETID")), qPrintable(g.lagNote));
        if (stream == "maxed") // no count asked: nothing can follow
            QVERIFY2(g.lagNote.contains(QLatin1String("greatest ID")), qPrintable(g.lagNote));
        if (lag > 0)
            QVERIFY(g.timeLagMs > 0);

        const QJsonObject json = groupJson(replica(), stream);
        QCOMPARE(json.value(QStringLiteral("lag")).toInteger(), lag);
        QCOMPARE(json.value(QStringLiteral("lag_estimated")).toBool(), estimated);
        QVERIFY(json.value(QStringLiteral("entries_read")).isNull());
    }

    // Where the replica cannot count (no XRANGE for this user), the lag is unknown with the
    // true reason, never the replica's stale figure.
    void groupLagUnknownWithoutRange() {
        run(*m_reader, {"ACL", "SETUSER", "norange", "on", "nopass", "~*", "+@all", "-xrange"});
        ConnectionSettings settings = replica().settings();
        settings.user = QStringLiteral("norange");
        auto client = openClient(settings);
        QVERIFY2(client.ok(), qPrintable(client.error().message));
        auto status = fetchStreamStatus(*client.value(), {"synced"}, 70015);
        QVERIFY2(status.ok(), qPrintable(status.error().message));
        const GroupStatus g = status->first().groups.first();
        QVERIFY2(!g.lag, qPrintable(QString::number(g.lag.value_or(-1))));
        QVERIFY2(g.lagNote.contains(QLatin1String("the replica does not track entries-read: ask "
                                                  "the primary")),
                 qPrintable(g.lagNote));

        PollerController poller(settings, fastPoll());
        PollerWatch watch;
        watch.attach(poller.poller());
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(watch.group("synced", "g").has_value(), 10000);
        const GroupStatus polled = *watch.group("synced", "g");
        QVERIFY(!polled.lag);
        QVERIFY2(polled.lagNote.contains(QLatin1String("the replica does not track entries-read")),
                 qPrintable(polled.lagNote));
        poller.stop();
    }

    // The poller knows the role from its INFO and counts without asking it again.
    void groupLagInPoller() {
        PollerController poller(replica().settings(), fastPoll());
        PollerWatch watch;
        watch.attach(poller.poller());
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(watch.group("many", "g").has_value(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(watch.group("synced", "g") && watch.group("few", "g")
                                     && watch.group("caught", "g"),
                                 10000);
        QCOMPARE(watch.group("synced", "g")->lag, std::optional<qint64>(5));
        QCOMPARE(watch.group("few", "g")->lag, std::optional<qint64>(3));
        QCOMPARE(watch.group("caught", "g")->lag, std::optional<qint64>(0));
        QCOMPARE(watch.group("many", "g")->lag, std::optional<qint64>(100));
        QVERIFY(watch.group("many", "g")->lagEstimated);
        // No finding explains a lag with a wrong reason.
        for (const FindingList &list : watch.snapshots.last().findings)
            for (const Finding &f : list)
                QVERIFY2(!f.message.contains(QLatin1String("SETID")), qPrintable(f.message));
        QVERIFY(watch.failures.isEmpty());
        poller.stop();
    }

    // tail, doctor: reading works on a replica.
    void monitoringWorks() {
        const Run tail = cli(replica(), {QStringLiteral("tail"), QStringLiteral("many"),
                                         QStringLiteral("--from"), QStringLiteral("0"),
                                         QStringLiteral("--exit-at-end"),
                                         QStringLiteral("--format"), QStringLiteral("count")});
        QCOMPARE(tail.exitCode, 0);
        QVERIFY2(tail.out.trimmed().endsWith("150"), tail.out.constData());
        const Run doctor = cli(replica(), {QStringLiteral("doctor")});
        QVERIFY2(doctor.exitCode == 0 || doctor.exitCode == 1, doctor.err.constData());
        QVERIFY2(!doctor.out.contains("SETID"), doctor.out.constData());
    }

    // Every write: the same sentence, naming the primary; the code stays READONLY; nothing
    // written.
    void writesRefused() {
        const qint64 lengthBefore = run(*m_writer, {"XLEN", "synced"}).integer();
        const QByteArray pendingBefore =
            run(*m_writer, {"XPENDING", "synced", "g"}).toDebugString().toUtf8();
        const RedisReply pending = run(*m_writer, {"XPENDING", "synced", "g", "-", "+", "1"});
        QVERIFY(pending.size() == 1);
        const QString id = QString::fromUtf8(pending.at(0).at(0).bytes());
        const QByteArray message =
            "this is a read-only replica: connect to the primary at " + primaryEndpoint().toUtf8();

        const QList<QStringList> writes{
            {QStringLiteral("publish"), QStringLiteral("synced"), QStringLiteral("a=1")},
            {QStringLiteral("ack"), QStringLiteral("synced"), QStringLiteral("g"), id},
            {QStringLiteral("group"), QStringLiteral("create"), QStringLiteral("synced"),
             QStringLiteral("new")},
            {QStringLiteral("dead-letter"), QStringLiteral("synced"), QStringLiteral("g"), id},
        };
        for (const QStringList &args : writes) {
            const Run r = cli(replica(), args);
            QVERIFY2(r.exitCode == 4, qPrintable(args.first() + QStringLiteral(": ") + r.err));
            QVERIFY2(r.err.contains(message),
                     qPrintable(args.first() + QStringLiteral(": ") + r.err));
        }
        synced();
        QCOMPARE(run(*m_writer, {"XLEN", "synced"}).integer(), lengthBefore);
        QCOMPARE(run(*m_writer, {"XPENDING", "synced", "g"}).toDebugString().toUtf8(),
                 pendingBefore);
        QCOMPARE(run(*m_writer, {"XINFO", "GROUPS", "synced"}).size(), size_t(1));
        QCOMPARE(run(*m_writer, {"EXISTS", "synced:dlq"}).integer(), 0);

        // One connection: the code kept, the primary asked once (INFO replication), whatever
        // the number of refused writes.
        auto admin = connectTo(replica().settings());
        auto writer = connectTo(replica().settings());
        const qint64 infoBefore = commandCalls(*admin, "info");
        for (int i = 0; i < 3; ++i) {
            auto replies = writer->pipeline({{"XADD", "synced", "*", "f", "v"}, {"PING"}});
            QVERIFY(replies.ok());
            QCOMPARE(replies->front().errorCode(), QByteArray("READONLY"));
            QVERIFY(replies->front().errorMessage().contains(QString::fromUtf8(message)));
        }
        // One INFO for the three refusals, one for the first commandCalls.
        QCOMPARE(commandCalls(*admin, "info") - infoBefore, qint64(2));
    }

    // The shop's services pointed at a replica stop with the message, once, instead of
    // reconnecting in a loop (they wrote about 5,000 lines a second).
    void servicesStopOnReplica_data() {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QStringList>("extra");
        QTest::newRow("notification-service") << "notification-service" << QStringList();
        QTest::newRow("payment-service")
            << "payment-service"
            << QStringList{QStringLiteral("--consumer"), QStringLiteral("p1"),
                           QStringLiteral("--db"), m_dir.filePath(QStringLiteral("payments.db"))};
        QTest::newRow("order-service")
            << "order-service"
            << QStringList{QStringLiteral("--http"), QStringLiteral("0"), QStringLiteral("--db"),
                           m_dir.filePath(QStringLiteral("orders.db"))};
    }
    void servicesStopOnReplica() {
        QFETCH(QString, program);
        QFETCH(QStringList, extra);
        const QString log = m_dir.filePath(program + QStringLiteral(".log"));
        ServiceProcess service(program,
                               QStringList{QStringLiteral("--url"), replica().url()} + extra, log);
        QVERIFY(service.start());
        QTRY_VERIFY_WITH_TIMEOUT(!service.running(), 10000);
        QCOMPARE(service.exitCode(), 1);
        const QString text = service.log();
        QVERIFY2(text.contains(QStringLiteral("this is a read-only replica: connect to the primary "
                                              "at %1")
                                   .arg(primaryEndpoint())),
                 qPrintable(text));
        QVERIFY2(text.count(QLatin1Char('\n')) < 20, qPrintable(text));
    }

    void timeToConnect() {
        QList<qint64> times;
        for (int i = 0; i < 20; ++i) {
            QElapsedTimer clock;
            clock.start();
            auto client = openClient(replica().settings());
            QVERIFY2(client.ok(), qPrintable(client.error().message));
            times.append(clock.nsecsElapsed() / 1000);
        }
        std::sort(times.begin(), times.end());
        qInfo("time to connect to a replica (openClient, median of %d): %.2f ms", int(times.size()),
              double(times.at(times.size() / 2)) / 1000.0);

        // What the app waits for: the poller's first ServerInfo, with the role.
        QList<qint64> firstInfo;
        for (int i = 0; i < 10; ++i) {
            PollerController poller(replica().settings(), fastPoll());
            QSignalSpy infos(poller.poller(), &ServerPoller::serverInfo);
            QElapsedTimer clock;
            clock.start();
            poller.start();
            QVERIFY(infos.wait(10000)); // returns as the signal comes, not on a polling step
            firstInfo.append(clock.nsecsElapsed() / 1000);
            QCOMPARE(infos.first().first().value<ServerInfo>().role, ServerInfo::Role::Replica);
            poller.stop();
        }
        std::sort(firstInfo.begin(), firstInfo.end());
        qInfo("replica: poller started to its first ServerInfo with the role (median of %d): "
              "%.2f ms",
              int(firstInfo.size()), double(firstInfo.at(firstInfo.size() / 2)) / 1000.0);
    }

    // A replica whose primary never answered: link down, never up, lag unknown; a write still
    // names where to write.
    void replicaOfNobody() {
        const quint16 nobody = LocalRedisServer::freePort();
        LocalRedisServer orphan(LocalRedisServer::Options{
            false,
            {QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"), QString::number(nobody)},
            0});
        STREAMSCOPE_START_REDIS(orphan);
        const Run json = cli(orphan, {QStringLiteral("streams"), QStringLiteral("--json")});
        QCOMPARE(json.exitCode, 0);
        const QJsonObject server =
            QJsonDocument::fromJson(json.out).object().value(QStringLiteral("server")).toObject();
        QCOMPARE(server.value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
        QCOMPARE(server.value(QStringLiteral("link")).toString(), QStringLiteral("down"));
        QVERIFY(server.value(QStringLiteral("link_down_seconds")).isNull());
        QVERIFY(server.value(QStringLiteral("replication_lag_bytes")).isNull());
        QVERIFY2(server.value(QStringLiteral("text"))
                     .toString()
                     .endsWith(QLatin1String("it has not reached its primary yet")),
                 json.out.constData());
        const Run publish =
            cli(orphan, {QStringLiteral("publish"), QStringLiteral("s"), QStringLiteral("a=1")});
        QCOMPARE(publish.exitCode, 4);
        QVERIFY2(publish.err.contains("connect to the primary at 127.0.0.1:"
                                      + QByteArray::number(nobody)),
                 publish.err.constData());
    }

    // What only other servers or moments show: the parser's reading of them.
    void replicationStateParsed_data() {
        QTest::addColumn<QByteArray>("info");
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("lagBytes");
        QTest::newRow("primary with replicas")
            << QByteArray("# Replication\r\nrole:master\r\nconnected_slaves:2\r\n")
            << QStringLiteral("primary, 2 replicas") << qint64(-1);
        QTest::newRow("applying what it read")
            << QByteArray("role:slave\r\nmaster_host:10.0.0.5\r\nmaster_port:6379\r\n"
                          "master_link_status:up\r\nmaster_sync_in_progress:0\r\n"
                          "slave_read_repl_offset:1500\r\nslave_repl_offset:1000\r\n")
            << QStringLiteral("replica of 10.0.0.5:6379, link up, 500 bytes behind (received, "
                              "not yet applied)")
            << qint64(500);
        QTest::newRow("primary silent")
            << QByteArray("role:slave\r\nmaster_host:10.0.0.5\r\nmaster_port:6379\r\n"
                          "master_link_status:up\r\nmaster_last_io_seconds_ago:23\r\n"
                          "slave_read_repl_offset:1500\r\nslave_repl_offset:1500\r\n")
            << QStringLiteral("replica of 10.0.0.5:6379, link up but nothing heard from the "
                              "primary for 23 s: the data here may be stale")
            << qint64(0);
        QTest::newRow("primary idle, pinging")
            << QByteArray("role:slave\r\nmaster_host:10.0.0.5\r\nmaster_port:6379\r\n"
                          "master_link_status:up\r\nmaster_last_io_seconds_ago:9\r\n"
                          "slave_read_repl_offset:1500\r\nslave_repl_offset:1500\r\n")
            << QStringLiteral("replica of 10.0.0.5:6379, link up, 0 bytes behind (received, not "
                              "yet applied)")
            << qint64(0);
        QTest::newRow("before 7.0: no read offset")
            << QByteArray("role:slave\r\nmaster_host:10.0.0.5\r\nmaster_port:6379\r\n"
                          "master_link_status:up\r\nslave_repl_offset:1000\r\n")
            << QStringLiteral("replica of 10.0.0.5:6379, link up, lag unknown: this server does "
                              "not report what it has read from its primary "
                              "(slave_read_repl_offset, Redis 7.0+)")
            << qint64(-1);
        QTest::newRow("full sync loading")
            << QByteArray("role:slave\r\nmaster_host:h\r\nmaster_port:1\r\n"
                          "master_link_status:down\r\nmaster_sync_in_progress:1\r\n"
                          "master_link_down_since_seconds:-1\r\n")
            << QStringLiteral("replica of h:1, link down: a full copy from the primary is being "
                              "loaded")
            << qint64(-1);
        QTest::newRow("no role line")
            << QByteArray("ERR") << QStringLiteral("role unknown") << qint64(-1);
    }
    void replicationStateParsed() {
        QFETCH(QByteArray, info);
        QFETCH(QString, text);
        QFETCH(qint64, lagBytes);
        const ReplicationState state = ReplicationState::fromInfo(info);
        QCOMPARE(state.describe(), text);
        QCOMPARE(state.lagBytes, lagBytes);
    }

    // Last: the primary goes.
    void linkDown() {
        PollerController poller(replica().settings(), fastPoll());
        PollerWatch watch;
        watch.attach(poller.poller());
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(!watch.infos.isEmpty(), 10000);
        QVERIFY(watch.infos.last().primaryLinkUp);
        const qint64 killedAt = QDateTime::currentMSecsSinceEpoch();
        m_primary.kill();
        QTRY_VERIFY_WITH_TIMEOUT(!watch.infos.last().primaryLinkUp, 10000);
        const ServerInfo down = watch.infos.last();
        QCOMPARE(down.role, ServerInfo::Role::Replica);
        QCOMPARE(down.primaryEndpoint, primaryEndpoint());
        QCOMPARE(down.replicationLagBytes, qint64(-1));
        QVERIFY2(down.replicationNote.contains(QLatin1String("link to the primary is down")),
                 qPrintable(down.replicationNote));
        // Seconds as the server counts them: within two of when it was killed.
        QVERIFY2(qAbs(down.primaryLinkDownSinceMs - killedAt) <= 2000,
                 qPrintable(QString::number(down.primaryLinkDownSinceMs - killedAt)));
        QVERIFY2(down.roleText.contains(QLatin1String("link down for")), qPrintable(down.roleText));
        poller.stop();

        const Run json = cli(replica(), {QStringLiteral("streams"), QStringLiteral("--json")});
        QCOMPARE(json.exitCode, 0);
        const QJsonObject server =
            QJsonDocument::fromJson(json.out).object().value(QStringLiteral("server")).toObject();
        QCOMPARE(server.value(QStringLiteral("link")).toString(), QStringLiteral("down"));
        QVERIFY(server.value(QStringLiteral("replication_lag_bytes")).isNull());
        QVERIFY2(server.value(QStringLiteral("link_down_seconds")).isDouble(), json.out);
        const Run text = cli(replica(), {QStringLiteral("streams")});
        QVERIFY2(text.out.startsWith("Server: replica of " + primaryEndpoint().toUtf8()
                                     + ", link down for "),
                 text.out.constData());
    }

    void cleanupTestCase() {
        m_reader.reset();
        m_writer.reset();
        if (m_replicaServer)
            m_replicaServer->stop();
        m_primary.stop();
    }
};

QTEST_MAIN(TestReplica)
#include "tst_replica.moc"
