// ACL users, against a real redis-server with users made by ACL SETUSER: the rules that
// `streamscope-cli acl-rule` prints are exactly what the CLI and the GUI's poller need (no
// NOPERM anywhere), and with one permission taken away the output says what is unknown, not
// evaluated or forbidden, with the exit code of a partial view, instead of a wrong number.
#include "Doctor.h"
#include "Permissions.h"
#include "ServerPoller.h"
#include "TestRedis.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace streamscope;
using namespace streamscope::test;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

QJsonObject jsonOf(const Run &r) {
    return QJsonDocument::fromJson(r.out).object();
}

// What the GUI's poller said over a few polls.
struct PollerWatch {
    QList<ServerInfo> infos;
    QList<StreamInfoList> listings;
    QList<GroupSnapshot> snapshots;
    QList<Permissions> access;
    QList<Error> failures;
    QObject context;
    void attach(ServerPoller *p) {
        QObject::connect(p, &ServerPoller::serverInfo, &context,
                         [this](const ServerInfo &i) { infos << i; });
        QObject::connect(p, &ServerPoller::streamsListed, &context,
                         [this](const StreamInfoList &s, bool) { listings << s; });
        QObject::connect(p, &ServerPoller::groupSnapshot, &context,
                         [this](const GroupSnapshot &s) { snapshots << s; });
        QObject::connect(p, &ServerPoller::accessUpdated, &context,
                         [this](const Permissions &a) { access << a; });
        QObject::connect(p, &ServerPoller::pollFailed, &context,
                         [this](const Error &e, PollArea) { failures << e; });
    }
};

} // namespace

class TestAcl : public QObject {
    Q_OBJECT
private:
    Run cli(const QString &user, const QString &password, QStringList args) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("REDISCLI_AUTH"), password);
        p.setProcessEnvironment(env);
        QStringList all{QStringLiteral("-p"), QString::number(m_server.port())};
        if (!user.isEmpty())
            all << QStringLiteral("--user") << user;
        p.start(m_binary, all + args);
        if (!p.waitForFinished(30000)) {
            p.kill();
            p.waitForFinished();
            return {};
        }
        return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
    }

    // The rule acl-rule prints, applied word by word as printed (nothing added or changed).
    QString makeUser(const QString &user, bool repair, const QStringList &patterns) {
        QStringList args{QStringLiteral("acl-rule"), QStringLiteral("--user"), user,
                         QStringLiteral("--new-password"), QStringLiteral("pw")};
        if (repair)
            args << QStringLiteral("--repair");
        QProcess p;
        p.start(m_binary, args + patterns);
        p.waitForFinished(10000);
        const QString rule = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
        Command command;
        for (const QString &word : rule.split(QLatin1Char(' ')))
            command << word.toUtf8();
        const RedisReply reply = run(*m_admin, command);
        if (!reply.isStatus())
            qWarning("%s: %s", qPrintable(rule), qPrintable(reply.toDebugString()));
        return rule;
    }

    ConnectionSettings as(const QString &user) const {
        ConnectionSettings s = m_server.settings();
        s.user = user;
        s.password = QStringLiteral("pw");
        return s;
    }

    // order-events: group billing with a dead consumer (idle), a poison entry (delivered 6
    // times), a pending entry whose body was deleted (dangling) and entries not yet delivered
    // (time lag); payment-events, outside the order-* users' key patterns.
    void makeData() {
        run(*m_admin, {"FLUSHALL"});
        addEntries(*m_admin, "order-events", 0, 10);
        run(*m_admin, {"XGROUP", "CREATE", "order-events", "billing", "0"});
        run(*m_admin, {"XREADGROUP", "GROUP", "billing", "worker", "COUNT", "4", "STREAMS",
                       "order-events", ">"});
        const RedisReply ids = run(*m_admin, {"XRANGE", "order-events", "-", "+"});
        const QByteArray poison = ids.at(0).at(0).bytes();
        // Delivered 6 times: poison; idle 2 minutes: stuck, the consumer dead.
        run(*m_admin, {"XCLAIM", "order-events", "billing", "worker", "0", poison, "RETRYCOUNT",
                       "6", "IDLE", "120000"});
        for (int i = 1; i < 4; ++i)
            run(*m_admin, {"XCLAIM", "order-events", "billing", "worker", "0",
                           ids.at(size_t(i)).at(0).bytes(), "IDLE", "120000"});
        run(*m_admin, {"XDEL", "order-events", ids.at(3).at(0).bytes()}); // dangling
        addEntries(*m_admin, "payment-events", 0, 3);
        run(*m_admin, {"XGROUP", "CREATE", "payment-events", "ledger", "0"});
        addEntries(*m_admin, "order-archive", 0, 2);
    }

    QStringList stderrNoperm(const QList<Run> &runs) {
        QStringList out;
        for (const Run &r : runs)
            if (r.err.contains("NOPERM") || r.err.contains("no permission"))
                out << QString::fromUtf8(r.err);
        return out;
    }

    // Every read command the CLI has, as user.
    QList<Run> everyRead(const QString &user) {
        return {
            cli(user, QStringLiteral("pw"), {QStringLiteral("streams")}),
            cli(user, QStringLiteral("pw"), {QStringLiteral("streams"), QStringLiteral("--json")}),
            cli(user, QStringLiteral("pw"),
                {QStringLiteral("groups"), QStringLiteral("order-events")}),
            cli(user, QStringLiteral("pw"),
                {QStringLiteral("consumers"), QStringLiteral("order-events"),
                 QStringLiteral("billing")}),
            cli(user, QStringLiteral("pw"),
                {QStringLiteral("pending"), QStringLiteral("order-events"),
                 QStringLiteral("billing")}),
            cli(user, QStringLiteral("pw"), {QStringLiteral("doctor"), QStringLiteral("--json")}),
            cli(user, QStringLiteral("pw"),
                {QStringLiteral("tail"), QStringLiteral("order-events"), QStringLiteral("--from"),
                 QStringLiteral("0"), QStringLiteral("--exit-at-end")})};
    }

    ServerPoller::Options fastPoll() const {
        ServerPoller::Options o;
        o.intervalMs = 200;
        o.lengthIntervalMs = 200;
        o.listIntervalMs = 400;
        o.health.idleThresholdMs = 60000;
        return o;
    }

private Q_SLOTS:
    void initTestCase() {
        const QString dir = qEnvironmentVariable("STREAMSCOPE_BIN_DIR");
        m_binary = (dir.isEmpty() ? QCoreApplication::applicationDirPath() : dir)
                   + QStringLiteral("/streamscope-cli");
        QVERIFY2(QFile::exists(m_binary), qPrintable(m_binary + QStringLiteral(" not built")));
        STREAMSCOPE_START_REDIS(m_server);
        m_admin = connectTo(m_server.settings());
        makeData();
    }

    void init() { makeData(); }

    void ruleIsReadyToPaste() {
        QProcess p;
        p.start(m_binary, {QStringLiteral("acl-rule"), QStringLiteral("--user"),
                           QStringLiteral("mon"), QStringLiteral("order-*")});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 0);
        const QString rule = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
        QVERIFY2(rule.startsWith(QLatin1String("ACL SETUSER mon reset on >")), qPrintable(rule));
        for (const char *word : {" ~order-* ", " resetchannels ", " -@all ", " +xread ",
                                 " +xrange ", " +xrevrange ", " +xinfo ", " +xpending ", " +xlen ",
                                 " +scan ", " +info ", " +ping ", " +client|setname "})
            QVERIFY2(rule.contains(QLatin1String(word)), word);
        QVERIFY(!rule.contains(QLatin1String("+xack")));
        // A random password, said on stderr, never a well-known one.
        const QString password = rule.section(QLatin1Char('>'), 1).section(QLatin1Char(' '), 0, 0);
        QCOMPARE(password.size(), 32);
        QVERIFY(p.readAllStandardError().contains(password.toUtf8()));

        const Run repair = cli({}, {}, {QStringLiteral("acl-rule"), QStringLiteral("--repair")});
        QCOMPARE(repair.exitCode, 0);
        for (const char *word :
             {"streamscope-repair", " ~* ", " +xack ", " +xclaim ", " +xautoclaim ", " +xadd ",
              " +xgroup|create ", " +multi ", " +exec ", " +evalsha ", " +eval"})
            QVERIFY2(repair.out.contains(word), word);
    }

    // The monitoring rule is enough for every read, in the CLI and the GUI's poller: no
    // NOPERM, the permissions known up front (every write denied, every read allowed).
    void monitorRuleCoversEveryRead() {
        makeUser(QStringLiteral("mon"), false, {});
        const QList<Run> runs = everyRead(QStringLiteral("mon"));
        QVERIFY2(stderrNoperm(runs).isEmpty(), qPrintable(stderrNoperm(runs).join('\n')));
        const QList<int> expected{0, 0, 0, 0, 0, 1, 0}; // doctor: findings
        for (qsizetype i = 0; i < runs.size(); ++i)
            QVERIFY2(runs.at(i).exitCode == expected.at(i),
                     qPrintable(QStringLiteral("run %1: exit %2: %3")
                                    .arg(i)
                                    .arg(runs.at(i).exitCode)
                                    .arg(QString::fromUtf8(runs.at(i).err))));
        const QJsonObject doctor = QJsonDocument::fromJson(runs.at(5).out).object();
        QVERIFY(!doctor.value(QStringLiteral("partial")).toBool());
        QVERIFY(doctor.value(QStringLiteral("not_evaluated")).toArray().isEmpty());
        QCOMPARE(doctor.value(QStringLiteral("server"))
                     .toObject()
                     .value(QStringLiteral("version"))
                     .toString()
                     .isEmpty(),
                 false);

        PollerController poller(as(QStringLiteral("mon")), fastPoll());
        PollerWatch watch;
        watch.attach(poller.poller());
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(watch.snapshots.size() >= 3 && watch.listings.size() >= 2, 10000);
        poller.stop();
        QVERIFY2(watch.failures.isEmpty(), qPrintable(watch.failures.value(0).message));
        QCOMPARE(watch.access.size(), 1); // once per connection, and it did not change
        const Permissions access = watch.access.first();
        QVERIFY2(access.probed, qPrintable(access.probeNote));
        QCOMPARE(access.user, QStringLiteral("mon"));
        for (const QByteArray &read : aclReadCommands())
            QVERIFY2(access.allows(read), qPrintable(access.whyNot(read)));
        for (const QByteArray &write : aclWriteCommands())
            QVERIFY2(!access.allows(write), write.constData());
        QCOMPARE(
            access.whyNot("XACK"),
            QStringLiteral("the user 'mon' may not run XACK: add +xack (ACL SETUSER mon +xack)"));
        QVERIFY(access.allows("XINFO STREAM"));
        QCOMPARE(access.whyNotAny({"XPENDING", "XRANGE", "XADD", "XACK"}), access.whyNot("XADD"));
        QVERIFY(!watch.infos.first().version.isEmpty());
        for (const StreamInfo &s : watch.listings.last())
            QVERIFY2(s.noAccess.isEmpty(), s.name.constData());
    }

    // The rule the issue measured (without +xlen) is not enough for the app: its poller reads
    // every stream's length with XLEN. So acl-rule has +xlen.
    void xlenIsNeededByThePoller() {
        makeUser(QStringLiteral("noxlen"), false, {});
        run(*m_admin, {"ACL", "SETUSER", "noxlen", "-xlen"});
        PollerController poller(as(QStringLiteral("noxlen")), fastPoll());
        PollerWatch watch;
        watch.attach(poller.poller());
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(!watch.failures.isEmpty(), 10000);
        poller.stop();
        QVERIFY2(watch.failures.first().message.contains(QLatin1String("'xlen'")),
                 qPrintable(watch.failures.first().message));
        QVERIFY(!watch.access.first().allows("XLEN"));
    }

    // The repair rule is enough for every repair: ack, claim, autoclaim, dead-letter, groups.
    void repairRuleCoversEveryRepair() {
        makeUser(QStringLiteral("fixer"), true, {QStringLiteral("order-*")});
        const RedisReply entries = run(*m_admin, {"XRANGE", "order-events", "-", "+"});
        const QString id = QString::fromLatin1(entries.at(1).at(0).bytes());
        const QString other = QString::fromLatin1(entries.at(2).at(0).bytes());
        const QString pw = QStringLiteral("pw");
        const QString f = QStringLiteral("fixer");
        const QList<Run> runs{
            cli(f, pw, {"claim", "order-events", "billing", "w2", "--min-idle", "0", id}),
            cli(f, pw, {"autoclaim", "order-events", "billing", "w3", "--min-idle", "0"}),
            cli(f, pw, {"dead-letter", "order-events", "billing", other}),
            cli(f, pw, {"ack", "order-events", "billing", id}),
            cli(f, pw, {"group", "create", "order-events", "audit", "--from", "0"}),
            cli(f, pw, {"group", "setid", "order-events", "audit", "$"}),
            cli(f, pw, {"group", "delconsumer", "order-events", "billing", "w2"}),
            cli(f, pw, {"group", "destroy", "order-events", "audit"}),
            cli(f, pw, {"publish", "order-events", "type=repair"})};
        for (qsizetype i = 0; i < runs.size(); ++i)
            QVERIFY2(runs.at(i).exitCode == 0,
                     qPrintable(QStringLiteral("run %1: exit %2: %3")
                                    .arg(i)
                                    .arg(runs.at(i).exitCode)
                                    .arg(QString::fromUtf8(runs.at(i).err))));
        QVERIFY2(stderrNoperm(runs).isEmpty(), qPrintable(stderrNoperm(runs).join('\n')));
        QCOMPARE(run(*m_admin, {"XLEN", "order-events:dlq"}).integer(), 1);
        auto client = openClient(as(f));
        QVERIFY(client.ok());
        const Permissions access = probePermissions(*client.value(), "order-events");
        QVERIFY(access.probed);
        QVERIFY2(access.denied.isEmpty(), qPrintable(access.denied.values().join('\n')));
    }

    // A monitor may not repair: the CLI says which permission is missing and how to add it.
    void refusalNamesTheMissingPermission() {
        makeUser(QStringLiteral("mon"), false, {});
        const QString id = QString::fromLatin1(
            run(*m_admin, {"XRANGE", "order-events", "-", "+"}).at(1).at(0).bytes());
        const Run ack = cli(QStringLiteral("mon"), QStringLiteral("pw"),
                            {"ack", "order-events", "billing", id});
        QCOMPARE(ack.exitCode, 4);
        QVERIFY2(
            ack.err.contains("the user 'mon' may not run XACK: add +xack (ACL SETUSER mon +xack)"),
            ack.err.constData());
        const Run group = cli(QStringLiteral("mon"), QStringLiteral("pw"),
                              {"group", "create", "order-events", "x"});
        QCOMPARE(group.exitCode, 4);
        QVERIFY2(group.err.contains("add +xgroup|create (ACL SETUSER mon +xgroup|create)"),
                 group.err.constData());
    }

    // A user restricted to order-*: SCAN lists payment-events too. It is listed as forbidden,
    // the rest is complete, and the exit code says partial (3), in the CLI and the poller.
    void forbiddenStreamDoesNotAbortTheListing() {
        makeUser(QStringLiteral("orders"), false, {QStringLiteral("order-*")});
        const Run list = cli(QStringLiteral("orders"), QStringLiteral("pw"), {"streams"});
        QCOMPARE(list.exitCode, 3);
        QVERIFY2(list.out.contains("order-events") && list.out.contains("order-archive"),
                 list.out.constData());
        QVERIFY2(list.out.contains("payment-events") && list.out.contains("no permission"),
                 list.out.constData());
        QVERIFY2(list.err.contains("partial listing: stream payment-events"), list.err.constData());
        QVERIFY2(list.err.contains("ACL SETUSER orders ~payment-events"), list.err.constData());

        const QJsonArray streams =
            jsonOf(cli(QStringLiteral("orders"), QStringLiteral("pw"), {"streams", "--json"}))
                .value(QStringLiteral("streams"))
                .toArray();
        QCOMPARE(streams.size(), 3);
        for (const QJsonValue &v : streams) {
            const QJsonObject s = v.toObject();
            const bool payment =
                s.value(QStringLiteral("name")).toString() == QLatin1String("payment-events");
            QCOMPARE(s.contains(QStringLiteral("no_access")), payment);
            QCOMPARE(s.value(QStringLiteral("length")).isNull(), payment);
        }
        QCOMPARE(streams.at(0).toObject().value(QStringLiteral("length")).toInt(), 2);

        const Run doctor = cli(QStringLiteral("orders"), QStringLiteral("pw"), {"doctor"});
        QCOMPARE(doctor.exitCode, 3);
        QVERIFY2(doctor.out.contains("order-events / billing"), doctor.out.constData());
        QVERIFY2(doctor.out.contains("[poison-entry]"), doctor.out.constData());
        QVERIFY2(doctor.out.contains("UNKNOWN  payment-events: no permission"),
                 doctor.out.constData());
        QVERIFY2(doctor.err.contains("partial report: stream payment-events not examined"),
                 doctor.err.constData());

        PollerController poller(as(QStringLiteral("orders")), fastPoll());
        PollerWatch watch;
        watch.attach(poller.poller());
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(watch.snapshots.size() >= 3 && watch.listings.size() >= 2, 10000);
        poller.stop();
        QVERIFY2(watch.failures.isEmpty(), qPrintable(watch.failures.value(0).message));
        const StreamInfoList listed = watch.listings.last();
        QCOMPARE(listed.size(), 3);
        for (const StreamInfo &s : listed)
            QCOMPARE(s.noAccess.isEmpty(), s.name != "payment-events");
        QCOMPARE(watch.snapshots.last().streams.size(), 1); // order-events' group
    }

    // Without XPENDING the pending rules are not evaluated, and the report says so (partial),
    // instead of finding 4 of the problems and calling that everything.
    void withoutXpendingRulesAreNotEvaluated() {
        const Run full = cli({}, {}, {"doctor", "--json"});
        QCOMPARE(full.exitCode, 1);
        QVERIFY(full.out.contains("\"poison-entry\"") && full.out.contains("\"stuck-entry\"")
                && full.out.contains("\"dangling-pending\""));

        makeUser(QStringLiteral("nopending"), false, {});
        run(*m_admin, {"ACL", "SETUSER", "nopending", "-xpending"});
        const Run doctor =
            cli(QStringLiteral("nopending"), QStringLiteral("pw"), {"doctor", "--json"});
        QCOMPARE(doctor.exitCode, 3);
        const QJsonObject report = jsonOf(doctor);
        QVERIFY(report.value(QStringLiteral("partial")).toBool());
        const QJsonArray notEvaluated = report.value(QStringLiteral("not_evaluated")).toArray();
        QCOMPARE(notEvaluated.size(), 1);
        const QJsonObject n = notEvaluated.first().toObject();
        QCOMPARE(n.value(QStringLiteral("rules")).toArray(),
                 QJsonArray({"stuck-entry", "poison-entry", "dangling-pending"}));
        QVERIFY2(n.value(QStringLiteral("reason")).toString().contains(QLatin1String("+xpending")),
                 qPrintable(n.value(QStringLiteral("reason")).toString()));
        QStringList kinds;
        for (const QJsonValue &stream : report.value(QStringLiteral("streams")).toArray())
            for (const QJsonValue &group :
                 stream.toObject().value(QStringLiteral("groups")).toArray())
                for (const QJsonValue &f :
                     group.toObject().value(QStringLiteral("findings")).toArray())
                    kinds << f.toObject().value(QStringLiteral("kind")).toString();
        QVERIFY2(!kinds.contains(QStringLiteral("poison-entry"))
                     && kinds.contains(QStringLiteral("not-evaluated")),
                 qPrintable(kinds.join(' ')));
        QVERIFY(doctor.out.contains("\"pending\":4")); // what XINFO tells still comes
        QVERIFY2(doctor.err.contains("not evaluated"), doctor.err.constData());

        const Run groups =
            cli(QStringLiteral("nopending"), QStringLiteral("pw"), {"groups", "order-events"});
        QCOMPARE(groups.exitCode, 0);
        QVERIFY2(groups.out.contains("billing: oldest pending unknown: no permission"),
                 groups.out.constData());
    }

    // The poller knows from the probe what the user may not run and does not send it every
    // poll (each refusal would also land in the server's ACL LOG): the figures say unknown.
    void pollerDoesNotRepeatWhatIsRefused() {
        makeUser(QStringLiteral("blind"), false, {});
        run(*m_admin, {"ACL", "SETUSER", "blind", "-xpending", "-xrange"});
        run(*m_admin, {"CONFIG", "RESETSTAT"});
        PollerController poller(as(QStringLiteral("blind")), fastPoll());
        PollerWatch watch;
        watch.attach(poller.poller());
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(watch.snapshots.size() >= 5, 10000);
        poller.stop();
        QVERIFY2(watch.failures.isEmpty(), qPrintable(watch.failures.value(0).message));
        const QByteArray stats = run(*m_admin, {"INFO", "commandstats"}).bytes();
        QVERIFY2(!stats.contains("cmdstat_xpending:") && !stats.contains("cmdstat_xrange:"),
                 stats.constData());
        const GroupSnapshot &last = watch.snapshots.last();
        const auto orders =
            std::find_if(last.streams.begin(), last.streams.end(),
                         [](const StreamStatus &s) { return s.info.name == "order-events"; });
        QVERIFY(orders != last.streams.end());
        const GroupStatus &g = orders->groups.first();
        QVERIFY2(g.pendingUnknown.contains(QLatin1String("+xpending")),
                 qPrintable(g.pendingUnknown));
        QVERIFY2(g.timeLagUnknown.contains(QLatin1String("+xrange")), qPrintable(g.timeLagUnknown));
        const FindingList findings = last.findings.value(groupKey("order-events", "billing"));
        QVERIFY(std::any_of(findings.begin(), findings.end(), [](const Finding &f) {
            return f.kind == QLatin1String("not-evaluated")
                   && f.rules.contains(QLatin1String("poison-entry"));
        }));
    }

    // Without XRANGE the time lag is unknown, not 0 ms.
    void withoutXrangeTimeLagIsUnknown() {
        makeUser(QStringLiteral("norange"), false, {});
        run(*m_admin, {"ACL", "SETUSER", "norange", "-xrange"});
        const Run groups = cli(QStringLiteral("norange"), QStringLiteral("pw"),
                               {"groups", "order-events", "--json"});
        QCOMPARE(groups.exitCode, 0);
        const QJsonObject g = QJsonDocument::fromJson(groups.out).array().first().toObject();
        QVERIFY2(g.value(QStringLiteral("time_lag_ms")).isNull(), groups.out.constData());
        QVERIFY(g.value(QStringLiteral("time_lag_unknown"))
                    .toString()
                    .contains(QLatin1String("+xrange")));
        const Run table =
            cli(QStringLiteral("norange"), QStringLiteral("pw"), {"groups", "order-events"});
        QVERIFY2(table.out.contains("billing: time lag unknown: no permission"),
                 table.out.constData());
        QVERIFY2(!table.out.contains(" 0ms "), table.out.constData());
        // With XRANGE: a real age (the undelivered entries were added moments ago).
        const Run admin = cli({}, {}, {"groups", "order-events", "--json"});
        QVERIFY(!QJsonDocument::fromJson(admin.out)
                     .array()
                     .first()
                     .toObject()
                     .value(QStringLiteral("time_lag_ms"))
                     .isNull());
        // dangling-pending needs XRANGE too: the doctor says it was not evaluated.
        const Run doctor =
            cli(QStringLiteral("norange"), QStringLiteral("pw"), {"doctor", "--json"});
        QCOMPARE(doctor.exitCode, 3);
        QVERIFY2(doctor.out.contains("\"rules\":[\"dangling-pending\"]"), doctor.out.constData());
    }

    // Without INFO (but CLUSTER MYID, so that the deployment can be told) the version is
    // unknown with the reason, in the CLI and the poller; the rest works.
    void withoutInfoVersionIsUnknown() {
        makeUser(QStringLiteral("noinfo"), false, {});
        run(*m_admin, {"ACL", "SETUSER", "noinfo", "-info", "+cluster|myid"});
        const Run doctor =
            cli(QStringLiteral("noinfo"), QStringLiteral("pw"), {"doctor", "--json"});
        QCOMPARE(doctor.exitCode, 1);
        const QJsonObject server = jsonOf(doctor).value(QStringLiteral("server")).toObject();
        QVERIFY(server.value(QStringLiteral("version")).isNull());
        QVERIFY2(server.value(QStringLiteral("unknown_reason"))
                     .toString()
                     .contains(QLatin1String("+info")),
                 doctor.out.constData());

        PollerController poller(as(QStringLiteral("noinfo")), fastPoll());
        PollerWatch watch;
        watch.attach(poller.poller());
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(!watch.infos.isEmpty() && watch.snapshots.size() >= 2, 10000);
        poller.stop();
        QCOMPARE(watch.infos.size(), 1); // asked once, not every poll
        QVERIFY(watch.infos.first().version.isEmpty());
        QVERIFY2(watch.infos.first().unknownReason.contains(QLatin1String("no permission")),
                 qPrintable(watch.infos.first().unknownReason));
        QVERIFY(watch.access.first().whyNot("INFO").contains(QLatin1String("+info")));
    }

    // A user that may not run ACL DRYRUN is not probed, and the note says what to add.
    void withoutDryrunNotProbed() {
        makeUser(QStringLiteral("nodry"), false, {});
        run(*m_admin, {"ACL", "SETUSER", "nodry", "-acl|dryrun"});
        auto client = openClient(as(QStringLiteral("nodry")));
        QVERIFY(client.ok());
        const Permissions access = probePermissions(*client.value());
        QVERIFY(!access.probed);
        QCOMPARE(access.user, QStringLiteral("nodry"));
        QVERIFY2(access.probeNote.contains(QLatin1String("+acl|dryrun")),
                 qPrintable(access.probeNote));
        QVERIFY(access.allows("XACK")); // nothing known: everything is tried
    }

    // The time to connect as a restricted user, the permission probe included, and its cost.
    void timeToConnect() {
        makeUser(QStringLiteral("orders"), false, {QStringLiteral("order-*")});
        QList<qint64> connectUs, probeUs;
        ProbeCost cost;
        for (int i = 0; i < 21; ++i) {
            QElapsedTimer t;
            t.start();
            auto client = openClient(as(QStringLiteral("orders")));
            QVERIFY(client.ok());
            const qint64 opened = t.nsecsElapsed() / 1000;
            const Permissions access = probePermissions(*client.value(), "order-events", &cost);
            QVERIFY(access.probed);
            connectUs << t.nsecsElapsed() / 1000;
            probeUs << t.nsecsElapsed() / 1000 - opened;
        }
        std::sort(connectUs.begin(), connectUs.end());
        std::sort(probeUs.begin(), probeUs.end());
        qInfo("restricted ACL user (~order-*): connect + permission probe, median of 21: %lld us "
              "(the probe alone %lld us: %d commands in one pipeline, %lld bytes received)",
              connectUs.at(10), probeUs.at(10), cost.commands,
              static_cast<long long>(cost.bytesReceived));
        QVERIFY(cost.commands > 20);
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_admin;
    QString m_binary;
};

QTEST_GUILESS_MAIN(TestAcl)
#include "tst_acl.moc"
