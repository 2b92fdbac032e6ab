// Redrive (dead letters back to their origin streams) against a real redis-server and a real
// 3-primary Redis Cluster: letters made by the existing dead-letter code come back byte-exact
// without dlq.* fields and reach a consumer group again; --dry-run, --to, letters without an
// origin, read-only mode, usage errors; a redrive killed midway (a real CLI process SIGKILLed,
// and a failure injected between the XADD and the XDEL across cluster slots) is finished by a
// rerun with no letter added twice; and the dialog offscreen.

#include "CliProcess.h"
#include "ClusterSlots.h"
#include "Confirm.h"
#include "DeadLetter.h"
#include "GroupActions.h"
#include "LocalRedisCluster.h"
#include "Redrive.h"
#include "RedriveDialog.h"
#include "Session.h"
#include "StreamEntry.h"
#include "StreamListPane.h"
#include "TestRedis.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QMenu>
#include <QProcess>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

#include <csignal>

using namespace streamscope;

namespace {

// Original fields with binary values: NUL, 0xff, CR LF, an empty value.
QList<QByteArray> originalFields(int i) {
    return {"seq",   QByteArray::number(i),
            "blob",  QByteArray("a\0b\xff\r\n", 6) + QByteArray::number(i),
            "empty", QByteArray(""),
            "utf8",  QByteArray("caf\xc3\xa9")};
}

StreamEntryList readAll(RedisClient &c, const QByteArray &stream) {
    StreamEntryList out;
    auto r = c.commandEntries({"XRANGE", stream, "-", "+"}, 0, &out, -1, stream);
    if (!r.ok() || r->isError())
        QTest::qFail("XRANGE failed", __FILE__, __LINE__);
    return out;
}

qint64 xlen(RedisClient &c, const QByteArray &stream) {
    auto r = c.command({"XLEN", stream});
    return r.ok() ? r->integer() : -1;
}

// XADDs count entries to origin, makes them pending in group "workers" and dead-letters them
// with deadLetterPending into dlq. Returns the original IDs.
QList<QByteArray> deadLetterSome(RedisClient &c, const QByteArray &origin, const QByteArray &dlq,
                                 int count, int first = 0) {
    QList<QByteArray> ids;
    (void)c.command({"XGROUP", "CREATE", origin, "workers", "$", "MKSTREAM"});
    for (int i = first; i < first + count; ++i) {
        Command add{"XADD", origin, "*"};
        add << originalFields(i);
        auto r = c.command(add);
        if (!r.ok() || r->isError()) {
            QTest::qFail("XADD failed", __FILE__, __LINE__);
            return {};
        }
        ids << r->bytes();
    }
    auto read = c.command({"XREADGROUP", "GROUP", "workers", "w1", "COUNT",
                           QByteArray::number(count), "STREAMS", origin, ">"});
    if (!read.ok() || read->isError()) {
        QTest::qFail("XREADGROUP failed", __FILE__, __LINE__);
        return {};
    }
    for (const QByteArray &id : std::as_const(ids)) {
        auto moved = deadLetterPending(c, origin, "workers", id, QStringLiteral("poison"), dlq);
        if (!moved.ok() || moved->kind != DeadLetterOutcome::Kind::Moved) {
            QTest::qFail("dead-lettering failed", __FILE__, __LINE__);
            return {};
        }
    }
    return ids;
}

// The letters' bodies as a dead-letter stream holds them, written directly (many, fast).
void writeLetters(RedisClient &c, const QByteArray &origin, const QByteArray &dlq, int count) {
    for (int start = 0; start < count; start += 1000) {
        QList<Command> adds;
        for (int i = start; i < qMin(count, start + 1000); ++i) {
            Command add{"XADD",
                        dlq,
                        "*",
                        "dlq.stream",
                        origin,
                        "dlq.id",
                        "1-" + QByteArray::number(i),
                        "dlq.group",
                        "workers",
                        "dlq.reason",
                        "test"};
            add << originalFields(i);
            adds << add;
        }
        auto r = c.pipeline(adds);
        if (!r.ok())
            QTest::qFail("pipeline failed", __FILE__, __LINE__);
    }
}

// How often each seq arrived in stream; fails on a duplicate, returns the count of distinct.
int distinctSeqs(RedisClient &c, const QByteArray &stream, bool *duplicate) {
    QSet<QByteArray> seen;
    *duplicate = false;
    for (const StreamEntry &e : readAll(c, stream)) {
        const QByteArray seq = e.value("seq");
        if (seen.contains(seq))
            *duplicate = true;
        seen.insert(seq);
    }
    return int(seen.size());
}

// The rule `streamscope-cli acl-rule` prints, as a command to send word by word.
Command aclRuleCommand(const QString &user, bool repair, const QString &pattern) {
    QStringList args{QStringLiteral("acl-rule"),       QStringLiteral("--user"), user,
                     QStringLiteral("--new-password"), QStringLiteral("pw"),     pattern};
    if (repair)
        args << QStringLiteral("--repair");
    const test::CliRun rule = test::runCli(args);
    Command command;
    for (const QByteArray &word : rule.out.trimmed().split(' '))
        command << word;
    return command;
}

QJsonObject jsonOf(const QByteArray &out) {
    return QJsonDocument::fromJson(out.trimmed()).object();
}

} // namespace

class TestRedrive : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void redrivesBackByteExact();
    void dryRunChangesNothing();
    void toOverridesOrigin();
    void letterWithoutOrigin();
    void readOnlyRefused();
    void changedSincePreview();
    void limitAndBadOrigin();
    void aclUsers();
    void usage();
    void killedMidwayStandalone();
    void clusterAcrossSlots();
    void dialog();
    void dialogReadOnly();
    void streamListAction();

private:
    test::CliRun cli(const QStringList &args) {
        return test::runCli(QStringList{QStringLiteral("-u"), m_server.url()} + args);
    }
    LocalRedisServer m_server;
    std::unique_ptr<RedisClient> m_c;
};

void TestRedrive::initTestCase() {
    STREAMSCOPE_START_REDIS(m_server);
    auto opened = openClient(m_server.settings());
    QVERIFY2(opened.ok(), qPrintable(opened.error().message));
    m_c = std::move(opened).value();
    QVERIFY2(QFile::exists(test::executablePath()), "streamscope-cli is not built");
}

void TestRedrive::init() {
    QVERIFY(m_c->command({"FLUSHALL"}).ok());
}

void TestRedrive::redrivesBackByteExact() {
    const QList<QByteArray> ids = deadLetterSome(*m_c, "order-events", "order-events:dlq", 5);
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 5);
    // A second group on the origin, at its end: it must receive the letters again.
    QVERIFY(m_c->command({"XGROUP", "CREATE", "order-events", "again", "$"}).ok());

    RedriveRequest request;
    request.dlq = "order-events:dlq";
    request.all = true;
    auto preview = previewRedrive(*m_c, request);
    QVERIFY2(preview.ok(), qPrintable(preview.error().message));
    QCOMPARE(preview->letters.size(), 5);
    QCOMPARE(preview->redrivable(), 5);
    QCOMPARE(preview->perOrigin().size(), 1);
    QCOMPARE(preview->perOrigin().first().first, QByteArray("order-events"));
    QCOMPARE(preview->letters.first().originalId, ids.first());
    QCOMPARE(preview->summary(), QStringLiteral("5 letters to order-events from order-events:dlq"));
    // Nothing changed by a preview.
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 5);
    QCOMPARE(xlen(*m_c, "order-events"), 5);

    auto outcome = redrive(*m_c, preview.value());
    QVERIFY2(outcome.ok(), qPrintable(outcome.error().message));
    QVERIFY2(!outcome->error, qPrintable(outcome->error.message));
    QCOMPARE(outcome->redriven.size(), 5);
    QCOMPARE(outcome->summary(), QStringLiteral("redrove 5 letters to order-events"));
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 0);

    const StreamEntryList all = readAll(*m_c, "order-events");
    QCOMPARE(all.size(), 10); // 5 originals (still there) + 5 redriven with new IDs
    for (int i = 0; i < 5; ++i) {
        const StreamEntry &back = all.at(5 + i);
        QCOMPARE(back.fields(), originalFields(i)); // byte-exact, no dlq.* field
        QCOMPARE(back.id.toByteArray(), outcome->redriven.at(i).newId);
        QVERIFY(back.id > all.at(4).id);
    }
    // The group created at the origin's end receives exactly the redriven entries.
    StreamEntryList received;
    auto read = m_c->commandEntries(
        {"XREADGROUP", "GROUP", "again", "c", "COUNT", "100", "STREAMS", "order-events", ">"}, 2,
        &received);
    QVERIFY(read.ok() && !read->isError());
    QCOMPARE(received.size(), 5);
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(received.at(i).id.toByteArray(), outcome->redriven.at(i).newId);
        QCOMPARE(received.at(i).fields(), originalFields(i));
    }
}

void TestRedrive::dryRunChangesNothing() {
    deadLetterSome(*m_c, "order-events", "order-events:dlq", 3);
    for (const bool readOnly : {false, true}) {
        QStringList args{QStringLiteral("redrive"), QStringLiteral("order-events:dlq"),
                         QStringLiteral("--all"), QStringLiteral("--dry-run"),
                         QStringLiteral("--json")};
        if (readOnly)
            args << QStringLiteral("--read-only");
        const test::CliRun run = cli(args);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const QJsonObject o = jsonOf(run.out);
        QCOMPARE(o.value(QStringLiteral("dry_run")).toBool(), true);
        QCOMPARE(o.value(QStringLiteral("letters")).toArray().size(), 3);
        QCOMPARE(
            o.value(QStringLiteral("to")).toObject().value(QStringLiteral("order-events")).toInt(),
            3);
        QVERIFY2(o.value(QStringLiteral("summary"))
                     .toString()
                     .startsWith(QStringLiteral("would redrive 3 letters to order-events")),
                 qPrintable(o.value(QStringLiteral("summary")).toString()));
    }
    const test::CliRun text = cli({QStringLiteral("redrive"), QStringLiteral("order-events:dlq"),
                                   QStringLiteral("--all"), QStringLiteral("--dry-run")});
    QCOMPARE(text.exitCode, 0);
    QVERIFY2(text.out.contains("(dry run: nothing was changed)"), text.out.constData());
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 3);
    QCOMPARE(xlen(*m_c, "order-events"), 3);
}

void TestRedrive::toOverridesOrigin() {
    deadLetterSome(*m_c, "order-events", "order-events:dlq", 3);
    const test::CliRun run =
        cli({QStringLiteral("redrive"), QStringLiteral("order-events:dlq"), QStringLiteral("--all"),
             QStringLiteral("--to"), QStringLiteral("order-events-retry")});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(run.out.trimmed(), QByteArray("redrove 3 letters to order-events-retry"));
    QCOMPARE(xlen(*m_c, "order-events-retry"), 3);
    QCOMPARE(xlen(*m_c, "order-events"), 3); // only the originals
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 0);
    QCOMPARE(readAll(*m_c, "order-events-retry").at(2).fields(), originalFields(2));
}

void TestRedrive::letterWithoutOrigin() {
    const QList<QByteArray> ids = deadLetterSome(*m_c, "order-events", "order-events:dlq", 2);
    auto orphan =
        m_c->command({"XADD", "order-events:dlq", "*", "dlq.reason", "hand-made", "order", "4711"});
    QVERIFY(orphan.ok());
    const QByteArray orphanId = orphan->bytes();
    // A letter whose entry was deleted before it was dead-lettered: no body.
    QVERIFY(m_c->command({"XADD", "order-events:dlq", "*", "dlq.stream", "order-events", "dlq.id",
                          "1-1", "dlq.deleted", "1"})
                .ok());
    const test::CliRun run = cli(
        {QStringLiteral("redrive"), QStringLiteral("order-events:dlq"), QStringLiteral("--all")});
    QCOMPARE(run.exitCode, 1); // some letters were not redriven
    QVERIFY2(run.out.startsWith("redrove 2 letters to order-events; 1 skipped: no dlq.stream "
                                "field, give --to; 1 skipped: its entry had been deleted"),
             run.out.constData());
    QVERIFY2(run.out.contains(orphanId), run.out.constData()); // the table names it
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 2);               // the two left there
    QCOMPARE(xlen(*m_c, "order-events"), 4);

    // Given --to, the orphan goes; IDs after --ids, a missing one reported.
    const test::CliRun to =
        cli({QStringLiteral("redrive"), QStringLiteral("order-events:dlq"), QStringLiteral("--ids"),
             QString::fromUtf8(orphanId), QStringLiteral("9-9"), QStringLiteral("--to"),
             QStringLiteral("manual"), QStringLiteral("--json")});
    QCOMPARE(to.exitCode, 1);
    const QJsonObject o = jsonOf(to.out);
    QCOMPARE(o.value(QStringLiteral("redriven")).toArray().size(), 1);
    QCOMPARE(o.value(QStringLiteral("missing")).toArray().first().toString(),
             QStringLiteral("9-9"));
    QCOMPARE(readAll(*m_c, "manual").first().fields(), (QList<QByteArray>{"order", "4711"}));
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 1);
    Q_UNUSED(ids);
}

void TestRedrive::readOnlyRefused() {
    deadLetterSome(*m_c, "order-events", "order-events:dlq", 2);
    const test::CliRun run = cli({QStringLiteral("--read-only"), QStringLiteral("redrive"),
                                  QStringLiteral("order-events:dlq"), QStringLiteral("--all")});
    QCOMPARE(run.exitCode, 5);
    QVERIFY2(run.err.contains("read-only mode: redriving would add 2 letters to order-events"),
             run.err.constData());
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 2);

    auto ro = openClient(m_server.settings());
    QVERIFY(ro.ok());
    ro.value()->setReadOnly(true);
    RedriveRequest request{"order-events:dlq", {}, {}, true};
    auto preview = previewRedrive(*ro.value(), request);
    QVERIFY2(preview.ok(), qPrintable(preview.error().message)); // a preview is a read
    auto refused = redrive(*ro.value(), preview.value());
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::ReadOnly);
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 2);
    QCOMPARE(xlen(*m_c, "order-events"), 2);
}

void TestRedrive::changedSincePreview() {
    deadLetterSome(*m_c, "order-events", "order-events:dlq", 3);
    auto preview = previewRedrive(*m_c, {"order-events:dlq", {}, {}, true});
    QVERIFY(preview.ok());
    const RedriveLetterList letters = preview->letters;
    // Meanwhile: two letters redriven by someone else (deleted), and a new letter arrives (not
    // in the preview: not touched).
    QVERIFY(m_c->command({"XDEL", "order-events:dlq", letters.at(0).id.toByteArray()}).ok());
    QVERIFY(m_c->command({"XDEL", "order-events:dlq", letters.at(1).id.toByteArray()}).ok());
    QVERIFY(m_c->command({"XADD", "order-events:dlq", "MAXLEN", "1000",
                          letters.at(2).id.successor().toByteArray(), "dlq.stream", "order-events",
                          "other", "letter"})
                .ok());
    auto outcome = redrive(*m_c, preview.value());
    QVERIFY(outcome.ok() && !outcome->error);
    QCOMPARE(outcome->redriven.size(), 1);
    QCOMPARE(outcome->vanished.size(), 2);
    QVERIFY2(outcome->summary().contains(QStringLiteral("2 left alone: gone from the dead-letter "
                                                        "stream or changed since the preview")),
             qPrintable(outcome->summary()));
    QCOMPARE(xlen(*m_c, "order-events"), 4);
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 1); // the new letter, not touched

    // A letter whose ID was reused by other content after the preview is left alone.
    QVERIFY(m_c->command({"DEL", "order-events:dlq"}).ok());
    QVERIFY(
        m_c->command({"XADD", "order-events:dlq", "5-1", "dlq.stream", "order-events", "a", "1"})
            .ok());
    auto first = previewRedrive(*m_c, {"order-events:dlq", {}, {}, true});
    QVERIFY(first.ok());
    QVERIFY(m_c->command({"DEL", "order-events:dlq"}).ok());
    QVERIFY(
        m_c->command({"XADD", "order-events:dlq", "5-1", "dlq.stream", "order-events", "a", "2"})
            .ok());
    auto reused = redrive(*m_c, first.value());
    QVERIFY(reused.ok() && !reused->error);
    QCOMPARE(reused->vanished.size(), 1);
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 1);
    QCOMPARE(xlen(*m_c, "order-events"), 4);
}

void TestRedrive::limitAndBadOrigin() {
    deadLetterSome(*m_c, "order-events", "order-events:dlq", 3);
    const test::CliRun limited =
        cli({QStringLiteral("redrive"), QStringLiteral("order-events:dlq"), QStringLiteral("--all"),
             QStringLiteral("--limit"), QStringLiteral("2")});
    QCOMPARE(limited.exitCode, 1);
    QVERIFY2(limited.out.startsWith("redrove 2 letters to order-events; more letters remain"),
             limited.out.constData());
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 1);

    QVERIFY(m_c->command({"HSET", "a-hash", "f", "v"}).ok());
    const test::CliRun hash =
        cli({QStringLiteral("redrive"), QStringLiteral("order-events:dlq"), QStringLiteral("--all"),
             QStringLiteral("--to"), QStringLiteral("a-hash")});
    QCOMPARE(hash.exitCode, 1);
    QVERIFY2(hash.out.startsWith("redrove no letter; 1 skipped: a-hash is a hash, not a stream"),
             hash.out.constData());
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 1);
}

void TestRedrive::aclUsers() {
    deadLetterSome(*m_c, "order-events", "order-events:dlq", 2);
    QVERIFY(m_c->command({"ACL", "SETUSER", "notype", "on", ">pw", "~*", "+@all", "-type"}).ok());
    QVERIFY(
        m_c->command({"ACL", "SETUSER", "nolua", "on", ">pw", "~*", "+@all", "-eval", "-evalsha"})
            .ok());
    auto as = [this](const char *user, const QStringList &args) {
        return test::runCli(QStringList{QStringLiteral("-u"),
                                        QStringLiteral("redis://%1:pw@127.0.0.1:%2")
                                            .arg(QLatin1String(user))
                                            .arg(m_server.port()),
                                        QStringLiteral("--no-auth-warning")}
                            + args);
    };
    const QStringList all{QStringLiteral("redrive"), QStringLiteral("order-events:dlq"),
                          QStringLiteral("--all")};
    // Without the Lua step: refused with what to add, nothing changed.
    const test::CliRun refused = as("nolua", all);
    QCOMPARE(refused.exitCode, 4);
    QVERIFY2(refused.err.contains("+evalsha") || refused.err.contains("+eval"),
             refused.err.constData());
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 2);
    QCOMPARE(xlen(*m_c, "order-events"), 2);
    // Without TYPE: the preview does without it.
    const test::CliRun noType = as("notype", all);
    QVERIFY2(noType.exitCode == 0, noType.err.constData());
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 0);
    QCOMPARE(xlen(*m_c, "order-events"), 4);

    // A monitor made by acl-rule: refused up front (ACL DRYRUN) with every rule word it lacks,
    // in the preview too; nothing sent. A repair user made by acl-rule --repair redrives.
    deadLetterSome(*m_c, "order-archive", "order-archive:dlq", 2);
    const QString orders = QStringLiteral("order-*");
    QVERIFY(m_c->command(aclRuleCommand(QStringLiteral("mon"), false, orders))->isStatus());
    QVERIFY(m_c->command(aclRuleCommand(QStringLiteral("rep"), true, orders))->isStatus());
    const QStringList archive{QStringLiteral("redrive"), QStringLiteral("order-archive:dlq"),
                              QStringLiteral("--all")};
    const test::CliRun preview = as("mon", archive + QStringList{QStringLiteral("--dry-run")});
    QCOMPARE(preview.exitCode, 4);
    QVERIFY2(preview.out.contains("would redrive 2 letters"), preview.out.constData());
    QVERIFY2(preview.err.contains("the user 'mon' may not redrive these letters")
                 && preview.err.contains("ACL SETUSER mon +evalsha +eval +xadd +xdel"),
             preview.err.constData());
    const test::CliRun monitor = as("mon", archive);
    QCOMPARE(monitor.exitCode, 4);
    QVERIFY2(monitor.err.contains("ACL SETUSER mon +evalsha +eval +xadd +xdel")
                 && monitor.err.contains("nothing was sent"),
             monitor.err.constData());
    QVERIFY2(monitor.out.isEmpty(), monitor.out.constData());
    QCOMPARE(xlen(*m_c, "order-archive:dlq"), 2);
    const test::CliRun repair = as("rep", archive);
    QVERIFY2(repair.exitCode == 0, repair.err.constData());
    QCOMPARE(xlen(*m_c, "order-archive:dlq"), 0);
    QCOMPARE(xlen(*m_c, "order-archive"), 4);
}

void TestRedrive::usage() {
    const test::CliRun neither = cli({QStringLiteral("redrive"), QStringLiteral("x:dlq")});
    QCOMPARE(neither.exitCode, 2);
    QVERIFY2(neither.err.contains("--ids ID... or --all"), neither.err.constData());
    const test::CliRun stray =
        cli({QStringLiteral("redrive"), QStringLiteral("x:dlq"), QStringLiteral("1-0")});
    QCOMPARE(stray.exitCode, 2);
    QVERIFY2(stray.err.contains("after --ids"), stray.err.constData());
    const test::CliRun bad = cli({QStringLiteral("redrive"), QStringLiteral("x:dlq"),
                                  QStringLiteral("--ids"), QStringLiteral("nope")});
    QCOMPARE(bad.exitCode, 2);
    const test::CliRun help = cli({QStringLiteral("redrive"), QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains("Exit codes") && help.out.contains("--dry-run")
            && help.out.contains("Example"));
    const test::CliRun missing =
        cli({QStringLiteral("redrive"), QStringLiteral("nothing:dlq"), QStringLiteral("--all")});
    QCOMPARE(missing.exitCode, 4);
    QVERIFY2(missing.err.contains("nothing:dlq does not exist"), missing.err.constData());
}

void TestRedrive::killedMidwayStandalone() {
    const int letters = 20000;
    writeLetters(*m_c, "order-events", "order-events:dlq", letters);
    QCOMPARE(xlen(*m_c, "order-events:dlq"), letters);
    QProcess process;
    process.start(test::executablePath(),
                  {QStringLiteral("-u"), m_server.url(), QStringLiteral("redrive"),
                   QStringLiteral("order-events:dlq"), QStringLiteral("--all"),
                   QStringLiteral("--limit"), QString::number(letters)});
    QVERIFY(process.waitForStarted());
    // SIGKILL once some letters went back and many are left.
    QElapsedTimer clock;
    clock.start();
    qint64 left = letters;
    while (clock.elapsed() < 30000 && process.state() == QProcess::Running) {
        left = xlen(*m_c, "order-events:dlq");
        if (left < letters - 500)
            break;
        QTest::qWait(2);
    }
    ::kill(pid_t(process.processId()), SIGKILL);
    QVERIFY(process.waitForFinished(5000));
    const qint64 afterKill = xlen(*m_c, "order-events:dlq");
    qInfo("killed with %lld of %d letters left", afterKill, letters);
    QVERIFY2(afterKill > 0 && afterKill < letters, "the kill did not land midway");
    bool duplicate = false;
    QCOMPARE(distinctSeqs(*m_c, "order-events", &duplicate) + afterKill, qint64(letters));
    QVERIFY(!duplicate);

    const test::CliRun rerun =
        cli({QStringLiteral("redrive"), QStringLiteral("order-events:dlq"), QStringLiteral("--all"),
             QStringLiteral("--limit"), QString::number(letters)});
    QVERIFY2(rerun.exitCode == 0, rerun.err.constData());
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 0);
    QCOMPARE(xlen(*m_c, "order-events"), letters);
    QCOMPARE(distinctSeqs(*m_c, "order-events", &duplicate), letters);
    QVERIFY(!duplicate);
}

void TestRedrive::clusterAcrossSlots() {
    LocalRedisCluster cluster(LocalRedisCluster::Options{3, 0, 2000, {}});
    const Error started = cluster.start();
    QVERIFY2(!started,
             qPrintable(QStringLiteral("cannot start the test cluster: ") + started.message));
    auto opened = openClient(cluster.settings(0));
    QVERIFY2(opened.ok(), qPrintable(opened.error().message));
    RedisClient &c = *opened.value();
    QCOMPARE(c.topology(), RedisClient::Topology::Cluster);
    QVERIFY(cluster::keySlot("order-events") != cluster::keySlot("order-events:dlq"));

    // ACL users on every node: one made by acl-rule --repair 'order-*' opens the cluster and
    // redrives across slots (the markers need +get +set and a key pattern of their own); one
    // without GET and SET is refused up front, with what to add, and nothing is sent.
    const QList<Command> users{
        aclRuleCommand(QStringLiteral("rep"), true, QStringLiteral("order-*")),
        {"ACL", "SETUSER", "noget", "on", ">pw", "~order-*", "+@all", "-get", "-set"}};
    for (const QString &node : c.primaries())
        for (const Command &user : users) {
            auto made = c.commandOn(node, user);
            QVERIFY2(made.ok() && made->isStatus(),
                     qPrintable(made.ok() ? made->toDebugString() : made.error().message));
        }
    deadLetterSome(c, "order-events", "order-events:dlq", 2);
    auto asUser = [&](const char *user) {
        return test::runCli({QStringLiteral("-u"), cluster.url(0), QStringLiteral("--user"),
                             QLatin1String(user), QStringLiteral("-a"), QStringLiteral("pw"),
                             QStringLiteral("--no-auth-warning"), QStringLiteral("redrive"),
                             QStringLiteral("order-events:dlq"), QStringLiteral("--all")});
    };
    const test::CliRun noGet = asUser("noget");
    QCOMPARE(noGet.exitCode, 4);
    QVERIFY2(noGet.err.contains("ACL SETUSER noget +get +set ~{order-events}:dlq*")
                 && noGet.err.contains("nothing was sent"),
             noGet.err.constData());
    QCOMPARE(xlen(c, "order-events:dlq"), 2);
    const test::CliRun repairUser = asUser("rep");
    QVERIFY2(repairUser.exitCode == 0, repairUser.err.constData());
    QCOMPARE(xlen(c, "order-events:dlq"), 0);
    QCOMPARE(xlen(c, "order-events"), 4);
    QVERIFY(c.command({"DEL", "order-events"}).ok());

    // Dead-lettered across slots by the existing code, then a failure between the XADD and the
    // XDEL: every letter of the first batch is added and kept in the DLQ.
    deadLetterSome(c, "order-events", "order-events:dlq", 30);
    QVERIFY(c.command({"XGROUP", "CREATE", "order-events", "again", "$"}).ok());
    RedriveRequest request{"order-events:dlq", {}, {}, true};
    auto preview = previewRedrive(c, request);
    QVERIFY2(preview.ok(), qPrintable(preview.error().message));
    QCOMPARE(preview->redrivable(), 30);
    RedriveHooks crash;
    crash.batch = 10;
    crash.afterCopy = [](qsizetype) { return false; };
    auto crashed = redrive(c, preview.value(), crash);
    QVERIFY(crashed.ok());
    QCOMPARE(crashed->error.kind, Error::Kind::Cancelled);
    QCOMPARE(xlen(c, "order-events"), 40); // 30 originals + the first batch
    QCOMPARE(xlen(c, "order-events:dlq"), 30);
    auto marker = c.command(
        {"GET", redriveMarker("order-events", "order-events:dlq", preview->letters.first())});
    QVERIFY(marker.ok() && marker->isString());

    // The rerun (a new preview, as a new process would) only deletes the first batch.
    auto again = previewRedrive(c, request);
    QVERIFY(again.ok());
    auto finished = redrive(c, again.value());
    QVERIFY2(finished.ok() && !finished->error, qPrintable(finished->error.message));
    QCOMPARE(finished->redriven.size(), 30);
    QCOMPARE(std::count_if(finished->redriven.begin(), finished->redriven.end(),
                           [](const RedriveOutcome::Done &d) { return d.earlier; }),
             10);
    QCOMPARE(finished->redriven.first().newId, marker->bytes());
    QVERIFY2(
        finished->summary().contains("10 letters had been added by an interrupted earlier run"),
        qPrintable(finished->summary()));
    QCOMPARE(xlen(c, "order-events:dlq"), 0);
    QCOMPARE(xlen(c, "order-events"), 60);
    const StreamEntryList all = readAll(c, "order-events");
    for (int i = 0; i < 30; ++i)
        QCOMPARE(all.at(30 + i).fields(), originalFields(i));
    auto pending = c.command(
        {"XREADGROUP", "GROUP", "again", "c", "COUNT", "100", "STREAMS", "order-events", ">"});
    QVERIFY(pending.ok() && pending->isArray());
    QCOMPARE(pending->at(0).at(1).size(), size_t(30));

    // Same slot ({order-events}:dlq): the one-step script.
    QVERIFY(c.command({"DEL", "order-events"}).ok());
    deadLetterSome(c, "order-events", "{order-events}:dlq", 3);
    auto same = previewRedrive(c, {"{order-events}:dlq", {}, {}, true});
    QVERIFY(same.ok());
    auto sameDone = redrive(c, same.value());
    QVERIFY(sameDone.ok() && !sameDone->error);
    QCOMPARE(sameDone->redriven.size(), 3);
    QCOMPARE(xlen(c, "{order-events}:dlq"), 0);
    QCOMPARE(xlen(c, "order-events"), 6);

    // The real CLI, SIGKILLed midway across slots, then run again: no letter twice.
    QVERIFY(c.command({"DEL", "order-events"}).ok());
    const int letters = 6000;
    writeLetters(c, "order-events", "order-events:dlq", letters);
    QProcess process;
    process.start(test::executablePath(),
                  {QStringLiteral("-u"), cluster.url(0), QStringLiteral("redrive"),
                   QStringLiteral("order-events:dlq"), QStringLiteral("--all")});
    QVERIFY(process.waitForStarted());
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 30000 && process.state() == QProcess::Running) {
        if (xlen(c, "order-events") > 300)
            break;
        QTest::qWait(2);
    }
    ::kill(pid_t(process.processId()), SIGKILL);
    QVERIFY(process.waitForFinished(5000));
    const qint64 added = xlen(c, "order-events"), left = xlen(c, "order-events:dlq");
    qInfo("cluster: killed with %lld letters added and %lld left in the DLQ", added, left);
    QVERIFY2(left > 0, "the kill did not land midway");
    QVERIFY(added + left >= letters); // letters added but not yet deleted are in both
    QElapsedTimer rerunClock;
    rerunClock.start();
    const test::CliRun rerun = test::runCli(
        {QStringLiteral("-u"), cluster.url(0), QStringLiteral("redrive"),
         QStringLiteral("order-events:dlq"), QStringLiteral("--all"), QStringLiteral("--json")});
    QVERIFY2(rerun.exitCode == 0, rerun.err.constData());
    qInfo("cluster: the rerun redrove %lld letters across slots in %lld ms (process included)",
          left, rerunClock.elapsed());
    QCOMPARE(xlen(c, "order-events:dlq"), 0);
    bool duplicate = false;
    QCOMPARE(distinctSeqs(c, "order-events", &duplicate), letters);
    QVERIFY(!duplicate);
    QCOMPARE(xlen(c, "order-events"), letters);

    // Two redrives of the same letters at once: each letter still arrives once.
    QVERIFY(c.command({"DEL", "order-events"}).ok());
    writeLetters(c, "order-events", "order-events:dlq", 3000);
    QProcess one, two;
    for (QProcess *p : {&one, &two})
        p->start(test::executablePath(),
                 {QStringLiteral("-u"), cluster.url(0), QStringLiteral("redrive"),
                  QStringLiteral("order-events:dlq"), QStringLiteral("--all")});
    QVERIFY(one.waitForFinished(30000) && two.waitForFinished(30000));
    QCOMPARE(xlen(c, "order-events:dlq"), 0);
    QCOMPARE(distinctSeqs(c, "order-events", &duplicate), 3000);
    QVERIFY(!duplicate);
    QCOMPARE(xlen(c, "order-events"), 3000);
}

void TestRedrive::dialog() {
    deadLetterSome(*m_c, "order-events", "order-events:dlq", 3);
    QVERIFY(m_c->command({"XADD", "order-events:dlq", "*", "order", "1"}).ok()); // no origin
    GroupActions actions(m_server.settings());
    RedriveDialog d(actions.worker(), "order-events:dlq", false);
    QSignalSpy previewed(&d, &RedriveDialog::previewed);
    d.show();
    QTRY_COMPARE(previewed.size(), 1);
    QVERIFY2(d.previewText().startsWith(QStringLiteral("3 letters to order-events from "
                                                       "order-events:dlq; 1 cannot be redriven: "
                                                       "no dlq.stream field")),
             qPrintable(d.previewText()));
    QCOMPARE(d.letterList()->topLevelItemCount(), 4);
    QCOMPARE(d.redriveButtonText(), QStringLiteral("Redrive 3 letters to order-events"));
    QVERIFY(d.redriveButton()->isEnabled());
    QTest::qWait(50); // layouts settle: the button grew with its new name
    d.grab().save(QDir::temp().filePath(QStringLiteral("redrive-dialog.png")));

    // One selected letter.
    d.letterList()->topLevelItem(1)->setSelected(true);
    QVERIFY(d.selectedOnlyButton()->isChecked());
    QCOMPARE(d.redriveButtonText(), QStringLiteral("Redrive 1 letter to order-events"));
    QString asked;
    d.confirm = [&](const QString &, const QString &action) {
        asked = action;
        return true;
    };
    QSignalSpy redriven(&d, &RedriveDialog::redriven);
    d.redriveChosen();
    QTRY_COMPARE(redriven.size(), 1);
    QCOMPARE(asked, QStringLiteral("Redrive 1 letter to order-events"));
    QCOMPARE(redriven.first().at(0).toBool(), true);
    QCOMPARE(d.outcomeText(), QStringLiteral("Redrove 1 letter to order-events."));
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 3);
    QCOMPARE(readAll(*m_c, "order-events").last().fields(), originalFields(1));
    QTRY_COMPARE(previewed.size(), 2); // previewed again: what is left
    QCOMPARE(d.redriveButtonText(), QStringLiteral("Redrive 2 letters to order-events"));

    // The target field sends every letter elsewhere, the orphan too.
    d.targetEdit()->setText(QStringLiteral("retry"));
    d.preview();
    QTRY_COMPARE(previewed.size(), 3);
    QCOMPARE(d.redriveButtonText(), QStringLiteral("Redrive 3 letters to retry"));
}

void TestRedrive::dialogReadOnly() {
    deadLetterSome(*m_c, "order-events", "order-events:dlq", 2);
    GroupActions actions(m_server.settings());
    RedriveDialog d(actions.worker(), "order-events:dlq", true);
    QSignalSpy previewed(&d, &RedriveDialog::previewed);
    d.show();
    QTRY_COMPARE(previewed.size(), 1);
    QVERIFY(d.previewText().startsWith(QStringLiteral("2 letters to order-events")));
    QVERIFY(!d.redriveButton()->isEnabled());
    QVERIFY2(d.redriveDisabledReason().startsWith(QStringLiteral("Read-only mode")),
             qPrintable(d.redriveDisabledReason()));
    QVERIFY(d.findChild<QLabel *>(QStringLiteral("redriveReason"))->isVisible());
    d.setReadOnly(false);
    QVERIFY(d.redriveButton()->isEnabled());
    d.setForbidden(QStringLiteral("Not allowed: the ACL user \"mon\" may not run EVALSHA"));
    QVERIFY(!d.redriveButton()->isEnabled());
    QCOMPARE(d.redriveButton()->toolTip(),
             QStringLiteral("Not allowed: the ACL user \"mon\" may not run EVALSHA"));
    d.setForbidden({});
    QVERIFY(d.redriveButton()->isEnabled());
    d.setReadOnly(true);
    d.redriveChosen(); // refused: nothing is sent
    QTest::qWait(100);
    QCOMPARE(xlen(*m_c, "order-events:dlq"), 2);
}

void TestRedrive::streamListAction() {
    deadLetterSome(*m_c, "order-events", "order-events:dlq", 2);
    // A dead-letter stream by its content only.
    QVERIFY(m_c->command({"XADD", "parked", "*", "dlq.stream", "order-events", "order", "1"}).ok());
    Session session(m_server.settings(), Session::Options{});
    session.start();
    StreamListPane pane;
    pane.bind(&session);
    auto actionOf = [](QMenu *menu) {
        return menu->findChild<QAction *>(QStringLiteral("redriveAction"));
    };
    std::unique_ptr<QMenu> byName(pane.contextMenu("order-events:dlq"));
    QVERIFY(actionOf(byName.get())->isEnabled());
    std::unique_ptr<QMenu> byContent(pane.contextMenu("parked"));
    QTRY_VERIFY(actionOf(byContent.get())->isEnabled());
    std::unique_ptr<QMenu> plain(pane.contextMenu("order-events"));
    QTRY_VERIFY2(actionOf(plain.get())->text().contains(QStringLiteral("no dlq.stream")),
                 qPrintable(actionOf(plain.get())->text()));
    QVERIFY(!actionOf(plain.get())->isEnabled());

    actionOf(byName.get())->trigger();
    QVERIFY(pane.redriveDialog());
    QSignalSpy previewed(pane.redriveDialog(), &RedriveDialog::previewed);
    QTRY_COMPARE(previewed.size(), 1);
    QCOMPARE(pane.redriveDialog()->redriveButtonText(),
             QStringLiteral("Redrive 2 letters to order-events"));
    QVERIFY(pane.redriveDialog()->redriveButton()->isEnabled());
    session.setReadOnly(true); // the switch reaches the open dialog
    QVERIFY(!pane.redriveDialog()->redriveButton()->isEnabled());
    pane.bind(nullptr); // another connection: the dialog of this one closes
    QTRY_VERIFY(!pane.redriveDialog());
}

QTEST_MAIN(TestRedrive)
#include "tst_redrive.moc"
