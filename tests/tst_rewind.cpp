// Rewinding and skipping a consumer group against a real redis-server: every preview's count is
// checked against what the group then reads with XREADGROUP; ENTRIESREAD keeps the server's lag
// known and right; pending entries are untouched; a group that moved since the preview is not
// changed; read-only mode sends nothing; the CLI and the dialog.
#include "CliProcess.h"
#include "GroupActions.h"
#include "GroupsPanel.h"
#include "LocalRedisCluster.h"
#include "Rewind.h"
#include "RewindDialog.h"
#include "TestCluster.h"
#include "TestRedis.h"

#include <QDateTimeEdit>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace streamscope;
using namespace streamscope::test;

namespace {

// Entries 1 s apart, from an hour ago: entry i has ID (base + i*1000)-0.
const quint64 base = quint64(QDateTime::currentMSecsSinceEpoch() / 1000 * 1000) - 3600 * 1000;
StreamId idOf(int i) {
    return StreamId{base + quint64(i) * 1000, 0};
}

struct GroupNow {
    QByteArray lastDelivered;
    std::optional<qint64> entriesRead;
    std::optional<qint64> lag;
    qint64 pending = 0;
};

} // namespace

class TestRewind : public QObject {
    Q_OBJECT
private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_c;

    // count entries 1 s apart, a group g created at 0 that read the first `read` of them
    // (acknowledged unless keepPending).
    void makeStream(const QByteArray &s, int count, int read, bool keepPending = false) {
        QList<Command> adds;
        for (int i = 0; i < count; ++i)
            adds.append({"XADD", s, idOf(i).toByteArray(), "n", QByteArray::number(i)});
        QVERIFY(m_c->pipeline(adds).ok());
        run(*m_c, {"XGROUP", "CREATE", s, "g", "0"});
        if (read > 0) {
            const RedisReply r = run(*m_c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT",
                                            QByteArray::number(read), "STREAMS", s, ">"});
            if (!keepPending)
                for (const RedisReply &e : r.at(0).at(1).elements())
                    run(*m_c, {"XACK", s, "g", e.at(0).bytes()});
        }
    }
    GroupNow group(const QByteArray &s, const QByteArray &g = "g") {
        GroupNow out;
        const RedisReply r = run(*m_c, {"XINFO", "GROUPS", s});
        for (const RedisReply &flat : r.elements()) {
            if (flat.field("name")->bytes() != g)
                continue;
            out.lastDelivered = flat.field("last-delivered-id")->bytes();
            qint64 v = 0;
            if (flat.field("entries-read")->toInteger(&v))
                out.entriesRead = v;
            if (flat.field("lag")->toInteger(&v))
                out.lag = v;
            flat.field("pending")->toInteger(&out.pending);
        }
        return out;
    }
    // Everything the group delivers now to consumer (XREADGROUP ... >, all of it).
    QList<QByteArray> readAll(const QByteArray &s, const QByteArray &consumer = "c2") {
        QList<QByteArray> ids;
        for (int round = 0; round < 100; ++round) {
            const RedisReply r = run(
                *m_c, {"XREADGROUP", "GROUP", "g", consumer, "COUNT", "1000", "STREAMS", s, ">"});
            if (r.isNil() || r.at(0).at(1).size() == 0)
                break;
            for (const RedisReply &e : r.at(0).at(1).elements())
                ids << e.at(0).bytes();
        }
        return ids;
    }
    RewindPlan plan(const QByteArray &s, const RewindTarget &t, const RewindOptions &o = {}) {
        auto p = planRewind(*m_c, s, "g", t, o);
        if (!p.ok())
            qFatal("planRewind: %s", qPrintable(p.error().message));
        return p.value();
    }
    RewindOutcome apply(const RewindPlan &p) {
        auto o = applyRewind(*m_c, p);
        if (!o.ok())
            qFatal("applyRewind: %s", qPrintable(o.error().message));
        return o.value();
    }
    // After the group read everything again: the server's lag is 0 and entries-read is
    // entries-added (the counter stayed right all along).
    void checkReadToEnd(const QByteArray &s) {
        const GroupNow after = group(s);
        QCOMPARE(after.lag, std::optional<qint64>(0));
        const RedisReply info = run(*m_c, {"XINFO", "STREAM", s});
        qint64 added = 0;
        info.field("entries-added")->toInteger(&added);
        QCOMPARE(after.entriesRead, std::optional<qint64>(added));
    }
    QStringList cli(const QStringList &args) {
        return QStringList{QStringLiteral("-u"), m_server.url()} + args;
    }

private Q_SLOTS:
    void initTestCase() { STREAMSCOPE_START_REDIS(m_server); }
    void init() {
        m_c = connectTo(m_server.settings());
        run(*m_c, {"FLUSHALL"});
    }

    void rewindToTime() {
        makeStream("t", 100, 100);
        const RewindPlan p =
            plan("t", RewindTarget::time(QDateTime::fromMSecsSinceEpoch(qint64(idOf(40).ms))));
        QCOMPARE(p.direction, RewindPlan::Direction::Rewind);
        QCOMPARE(p.count, qint64(60));
        QVERIFY(p.countExact);
        QCOMPARE(p.firstNext, std::optional<StreamId>(idOf(40)));
        QCOMPARE(p.newLastDeliveredId, idOf(39));
        QCOMPARE(p.newEntriesRead, std::optional<qint64>(40));
        QCOMPARE(p.lastDeliveredId, idOf(99));
        QCOMPARE(p.lag, std::optional<qint64>(0));
        QVERIFY2(p.describe().contains(QStringLiteral("It will receive 60 entries again")),
                 qPrintable(p.describe()));
        QVERIFY(p.summary().startsWith(QStringLiteral("Rewind g to ")));
        QVERIFY(p.summary().endsWith(QStringLiteral("(60 entries again)")));
        const RewindOutcome o = apply(p);
        QCOMPARE(o.kind, RewindOutcome::Kind::Applied);
        // ENTRIESREAD kept the lag known, and right.
        const GroupNow g = group("t");
        QCOMPARE(g.lastDelivered, idOf(39).toByteArray());
        QCOMPARE(g.entriesRead, std::optional<qint64>(40));
        QCOMPARE(g.lag, std::optional<qint64>(60));
        QCOMPARE(o.lagAfter, std::optional<qint64>(60));
        const QList<QByteArray> again = readAll("t");
        QCOMPARE(again.size(), 60);
        QCOMPARE(again.first(), idOf(40).toByteArray());
        QCOMPARE(again.last(), idOf(99).toByteArray());
        checkReadToEnd("t");
    }

    void rewindToIdBetweenEntries() {
        makeStream("i", 50, 50);
        // Not an entry: the next one is 21.
        const StreamId between{idOf(20).ms + 500, 0};
        auto t = RewindTarget::parse(between.toString(), QDate::currentDate());
        QVERIFY(t.ok());
        QVERIFY(!t->isTime);
        const RewindPlan p = plan("i", t.value());
        QCOMPARE(p.count, qint64(29));
        QCOMPARE(p.firstNext, std::optional<StreamId>(idOf(21)));
        QCOMPARE(p.newLastDeliveredId, idOf(20));
        apply(p);
        QCOMPARE(group("i").lag, std::optional<qint64>(29));
        const QList<QByteArray> again = readAll("i");
        QCOMPARE(again.size(), 29);
        QCOMPARE(again.first(), idOf(21).toByteArray());
        checkReadToEnd("i");
    }

    void rewindToStartAfterTrim() {
        makeStream("st", 100, 100);
        run(*m_c, {"XTRIM", "st", "MAXLEN", "80"}); // 0..19 trimmed: never delivered again
        const RewindPlan p = plan("st", RewindTarget::start());
        QCOMPARE(p.count, qint64(80));
        QVERIFY(p.countExact);
        QCOMPARE(p.firstNext, std::optional<StreamId>(idOf(20)));
        QCOMPARE(p.newLastDeliveredId, StreamId());
        QCOMPARE(p.newEntriesRead, std::optional<qint64>(20)); // the trimmed count as read
        apply(p);
        QCOMPARE(group("st").lag, std::optional<qint64>(80));
        QCOMPARE(readAll("st").size(), 80);
        checkReadToEnd("st");
    }

    void skipToEnd() {
        makeStream("e", 100, 30);
        const RewindPlan p = plan("e", RewindTarget::end());
        QCOMPARE(p.direction, RewindPlan::Direction::Skip);
        QCOMPARE(p.count, qint64(70));
        QVERIFY(!p.firstNext);
        QVERIFY2(p.describe().contains(QStringLiteral("It will skip 70 entries")),
                 qPrintable(p.describe()));
        QCOMPARE(p.summary(), QStringLiteral("Skip g to the end (70 entries skipped)"));
        run(*m_c, {"XADD", "e", "*", "late", "1"}); // added between preview and apply: skipped too
        const RewindOutcome o = apply(p);
        QCOMPARE(o.addedSincePreview, qint64(1));
        QCOMPARE(group("e").lag, std::optional<qint64>(0));
        QCOMPARE(group("e").entriesRead, std::optional<qint64>(101));
        QVERIFY(readAll("e").isEmpty());
        const QByteArray fresh = run(*m_c, {"XADD", "e", "*", "new", "1"}).bytes();
        QCOMPARE(group("e").lag, std::optional<qint64>(1));
        QCOMPARE(readAll("e"), QList<QByteArray>{fresh});
        checkReadToEnd("e");
    }

    void forwardSkipToId() {
        makeStream("f", 100, 10);
        const RewindPlan p = plan("f", RewindTarget::entry(idOf(50)));
        QCOMPARE(p.direction, RewindPlan::Direction::Skip);
        QCOMPARE(p.count, qint64(40)); // 10..49
        QCOMPARE(p.firstNext, std::optional<StreamId>(idOf(50)));
        QCOMPARE(p.newEntriesRead, std::optional<qint64>(50));
        apply(p);
        QCOMPARE(group("f").lag, std::optional<qint64>(50));
        const QList<QByteArray> next = readAll("f");
        QCOMPARE(next.size(), 50);
        QCOMPARE(next.first(), idOf(50).toByteArray());
        checkReadToEnd("f");
    }

    // A range too long to count: the other side is counted instead, or the count says
    // "at least" and ENTRIESREAD is left off (the lag then unknown, as said).
    void boundedCounts() {
        makeStream("b", 100, 100);
        RewindOptions o;
        o.countBound = 30;
        const qint64 xranges = commandCalls(*m_c, "xrange");
        const RewindPlan p = plan("b", RewindTarget::entry(idOf(20)), o); // 80 between, 20 before
        // The smaller side first (by the IDs' times): the 20 before it, never the 80 between;
        // the other XRANGE finds the first entry at the target.
        QCOMPARE(commandCalls(*m_c, "xrange") - xranges, qint64(2));
        QCOMPARE(p.count, qint64(80));
        QVERIFY(p.countExact);
        QCOMPARE(p.newEntriesRead, std::optional<qint64>(20));
        o.countBound = 10;
        const RewindPlan q = plan("b", RewindTarget::entry(idOf(20)), o);
        QCOMPARE(q.count, qint64(10));
        QVERIFY(!q.countExact);
        QVERIFY(q.summary().contains(QStringLiteral("at least 10 entries")));
        QVERIFY(!q.newEntriesRead);
        QVERIFY2(q.describe().contains(QStringLiteral("ENTRIESREAD is left off")),
                 qPrintable(q.describe()));
        QVERIFY(!q.toJson().value(QStringLiteral("count_exact")).toBool());
        apply(q);
        QCOMPARE(group("b").lag, std::optional<qint64>());  // unknown, as the preview said
        QCOMPARE(readAll("b").size(), 80);                  // at least 10: right
        QCOMPARE(group("b").lag, std::optional<qint64>(0)); // known again at the end
    }

    void deletedEntriesLeaveEntriesReadOff() {
        makeStream("d", 50, 50);
        run(*m_c, {"XDEL", "d", idOf(45).toByteArray()});
        const RewindPlan p = plan("d", RewindTarget::entry(idOf(30)));
        QCOMPARE(p.count, qint64(19)); // 30..49 without 45
        QVERIFY(!p.newEntriesRead);
        QVERIFY2(p.entriesReadNote.contains(QStringLiteral("deleted")), qPrintable(p.describe()));
        apply(p);
        QCOMPARE(group("d").lag, std::optional<qint64>());
        QCOMPARE(readAll("d").size(), 19);
        // Deleted before the new position: not in the way.
        makeStream("d2", 50, 50);
        run(*m_c, {"XDEL", "d2", idOf(5).toByteArray()});
        const RewindPlan q = plan("d2", RewindTarget::entry(idOf(10)));
        QCOMPARE(q.count, qint64(40));
        QCOMPARE(q.newEntriesRead, std::optional<qint64>(10));
        apply(q);
        QCOMPARE(group("d2").lag, std::optional<qint64>(40));
        QCOMPARE(readAll("d2").size(), 40);
        checkReadToEnd("d2");
    }

    void pendingEntriesUntouched() {
        makeStream("p", 20, 10, true); // c1 holds 0..9 pending
        const RedisReply before = run(*m_c, {"XPENDING", "p", "g", "-", "+", "100"});
        const RewindPlan p = plan("p", RewindTarget::start());
        QCOMPARE(p.count, qint64(10));
        QCOMPARE(p.pendingInRange, qint64(10));
        QCOMPARE(p.pendingInRangeByConsumer.value("c1"), qint64(10));
        QVERIFY2(p.describe().contains(QStringLiteral("its 10 pending entries stay pending")),
                 qPrintable(p.describe()));
        QVERIFY(p.describe().contains(QStringLiteral("delivery count back to 1")));
        apply(p);
        const RedisReply after = run(*m_c, {"XPENDING", "p", "g", "-", "+", "100"});
        QCOMPARE(after.size(), before.size());
        for (size_t i = 0; i < after.size(); ++i) { // same IDs, owners, delivery counts
            QCOMPARE(after.at(i).at(0).bytes(), before.at(i).at(0).bytes());
            QCOMPARE(after.at(i).at(1).bytes(), before.at(i).at(1).bytes());
            QCOMPARE(after.at(i).at(3).integer(), before.at(i).at(3).integer());
        }
        // What the preview said of reading them again: taken over by the reader, count 1.
        QCOMPARE(readAll("p", "c2").size(), 20);
        const RedisReply taken = run(*m_c, {"XPENDING", "p", "g", "-", "+", "100"});
        QCOMPARE(taken.size(), size_t(20));
        for (const RedisReply &e : taken.elements()) {
            QCOMPARE(e.at(1).bytes(), QByteArray("c2"));
            QCOMPARE(e.at(3).integer(), qint64(1));
        }
        // Back to the start, then skip to the end: the skipped pending entries stay pending.
        apply(plan("p", RewindTarget::start()));
        const RewindPlan skip = plan("p", RewindTarget::end());
        QCOMPARE(skip.pendingInRange, qint64(20));
        QVERIFY(skip.describe().contains(QStringLiteral("stay pending until acknowledged")));
        apply(skip);
        QCOMPARE(group("p").pending, qint64(20));
    }

    // Pending entries whose bodies were trimmed or deleted are never delivered again: the
    // preview counts them apart, not among those the group receives again.
    void pendingOfRemovedEntries() {
        makeStream("pt", 20, 20, true); // c1 holds 0..19 pending
        run(*m_c, {"XTRIM", "pt", "MAXLEN", "5"});
        run(*m_c, {"XDEL", "pt", idOf(17).toByteArray()});
        const RewindPlan p = plan("pt", RewindTarget::start());
        QCOMPARE(p.count, qint64(4));
        QCOMPARE(p.pendingInRange, qint64(4));
        QCOMPARE(p.pendingInRangeByConsumer.value("c1"), qint64(4));
        QCOMPARE(p.pendingGoneInRange, qint64(16));
        QVERIFY2(p.describe().contains(QStringLiteral("Of the entries it receives again, 4 are "
                                                      "pending now (c1: 4)")),
                 qPrintable(p.describe()));
        QVERIFY2(p.describe().contains(QStringLiteral("16 pending entries in the range are no "
                                                      "longer in the stream")),
                 qPrintable(p.describe()));
        apply(p);
        QCOMPARE(readAll("pt", "c2").size(), 4);
        QCOMPARE(group("pt").pending, qint64(20));
    }

    void refusesWhenTheGroupMoved() {
        makeStream("r", 50, 10);
        const RewindPlan p = plan("r", RewindTarget::start());
        run(*m_c, {"XREADGROUP", "GROUP", "g", "other", "COUNT", "5", "STREAMS", "r", ">"});
        const RewindOutcome o = apply(p);
        QCOMPARE(o.kind, RewindOutcome::Kind::Moved);
        QVERIFY2(o.message.contains(QStringLiteral("moved since the preview")),
                 qPrintable(o.message));
        QVERIFY2(o.message.contains(QStringLiteral("stop the group's consumers")),
                 qPrintable(o.message));
        QCOMPARE(group("r").lastDelivered, idOf(14).toByteArray()); // not changed by us
        QCOMPARE(o.current.lastDeliveredId, idOf(14));
        QCOMPARE(o.current.count, qint64(15));
        // Entries removed since the preview: the counts no longer hold either.
        const RewindPlan q = plan("r", RewindTarget::start());
        run(*m_c, {"XDEL", "r", idOf(3).toByteArray()});
        const RewindOutcome o2 = apply(q);
        QCOMPARE(o2.kind, RewindOutcome::Kind::Moved);
        QVERIFY(o2.message.contains(QStringLiteral("removed")));
        QCOMPARE(group("r").lastDelivered, idOf(14).toByteArray());
        // Entries added since are no reason to refuse a rewind. (With entry 3 deleted the server
        // cannot keep the lag from the start: the preview says so, and it is unknown.)
        const RewindPlan r = plan("r", RewindTarget::start());
        QCOMPARE(r.count, qint64(14));
        QVERIFY(!r.newEntriesRead);
        run(*m_c, {"XADD", "r", "*", "x", "1"});
        QCOMPARE(apply(r).kind, RewindOutcome::Kind::Applied);
        QCOMPARE(group("r").lag, std::optional<qint64>());
        QCOMPARE(readAll("r").size(), 50);
    }

    // The GUI's apply: a live group's consumers read on between the preview and the click. A
    // rewind still goes ahead and says how many it receives again as applied; a skip that would
    // have turned into a rewind, or a group moved back, is refused.
    void liveGroupReadOnSincePreview() {
        RewindOptions live;
        live.acceptReadSincePreview = true;
        makeStream("lv", 50, 10);
        const RewindPlan p = plan("lv", RewindTarget::start());
        QCOMPARE(p.count, qint64(10));
        run(*m_c, {"XREADGROUP", "GROUP", "g", "other", "COUNT", "5", "STREAMS", "lv", ">"});
        QCOMPARE(apply(p).kind, RewindOutcome::Kind::Moved); // the CLI's default: refused
        const RewindPlan p2 = plan("lv", RewindTarget::start());
        QCOMPARE(p2.count, qint64(15));
        run(*m_c, {"XREADGROUP", "GROUP", "g", "other", "COUNT", "7", "STREAMS", "lv", ">"});
        auto o = applyRewind(*m_c, p2, live);
        QVERIFY(o.ok());
        QCOMPARE(o->kind, RewindOutcome::Kind::Applied);
        QVERIFY(o->readSincePreview);
        QCOMPARE(o->deliveredSincePreview, std::optional<qint64>(7));
        QVERIFY2(o->message.contains(QStringLiteral("it receives 22 entries again (its consumers "
                                                    "read 7 entries between the preview and the "
                                                    "apply; the preview said 15)")),
                 qPrintable(o->message));
        QCOMPARE(group("lv").lastDelivered, QByteArray("0-0"));
        QCOMPARE(readAll("lv").size(), 50);
        checkReadToEnd("lv");

        // A skip forward to entry 30 while the group reads past it: refused (it would rewind).
        run(*m_c, {"XGROUP", "SETID", "lv", "g", idOf(9).toByteArray(), "ENTRIESREAD", "10"});
        const RewindPlan s = plan("lv", RewindTarget::entry(idOf(30)));
        QCOMPARE(s.direction, RewindPlan::Direction::Skip);
        QCOMPARE(s.count, qint64(20));
        run(*m_c, {"XREADGROUP", "GROUP", "g", "other", "COUNT", "25", "STREAMS", "lv", ">"});
        auto refused = applyRewind(*m_c, s, live);
        QVERIFY(refused.ok());
        QCOMPARE(refused->kind, RewindOutcome::Kind::Moved);
        QCOMPARE(group("lv").lastDelivered, idOf(34).toByteArray());
        // Reading a little (still before 30): the skip goes ahead, skipping fewer.
        run(*m_c, {"XGROUP", "SETID", "lv", "g", idOf(9).toByteArray(), "ENTRIESREAD", "10"});
        const RewindPlan s2 = plan("lv", RewindTarget::entry(idOf(30)));
        run(*m_c, {"XREADGROUP", "GROUP", "g", "other", "COUNT", "4", "STREAMS", "lv", ">"});
        auto skipped = applyRewind(*m_c, s2, live);
        QVERIFY(skipped.ok());
        QCOMPARE(skipped->kind, RewindOutcome::Kind::Applied);
        QVERIFY2(skipped->message.contains(QStringLiteral("16 entries skipped")),
                 qPrintable(skipped->message));
        QCOMPARE(group("lv").lastDelivered, idOf(29).toByteArray());
        // A group moved back (another SETID) is refused even so.
        run(*m_c, {"XGROUP", "SETID", "lv", "g", idOf(20).toByteArray()});
        const RewindPlan b = plan("lv", RewindTarget::start());
        run(*m_c, {"XGROUP", "SETID", "lv", "g", idOf(5).toByteArray()});
        auto back = applyRewind(*m_c, b, live);
        QVERIFY(back.ok());
        QCOMPARE(back->kind, RewindOutcome::Kind::Moved);
        QCOMPARE(group("lv").lastDelivered, idOf(5).toByteArray());
    }

    // An ACL user that may not run the script or the SETID (a monitor made by acl-rule) is told
    // so up front, with the rule to add, before the question; nothing is sent. The repair user
    // made by acl-rule --repair applies it.
    void aclUserRefusedUpFront() {
        makeStream("acl-s", 20, 20);
        for (const bool repair : {false, true}) {
            QStringList args{QStringLiteral("acl-rule"),
                             QStringLiteral("--user"),
                             repair ? QStringLiteral("rep") : QStringLiteral("mon"),
                             QStringLiteral("--new-password"),
                             QStringLiteral("pw"),
                             QStringLiteral("acl-*")};
            if (repair)
                args << QStringLiteral("--repair");
            Command rule;
            for (const QByteArray &word : runCli(args).out.trimmed().split(' '))
                rule << word;
            QVERIFY(run(*m_c, rule).isStatus());
        }
        auto as = [&](const QString &user, const QStringList &args) {
            const QStringList login{QStringLiteral("--user"), user, QStringLiteral("-a"),
                                    QStringLiteral("pw"), QStringLiteral("--no-auth-warning")};
            return runCli(cli(login + args));
        };
        const QStringList rewind{QStringLiteral("group"), QStringLiteral("rewind"),
                                 QStringLiteral("acl-s"), QStringLiteral("g"),
                                 QStringLiteral("--to"),  QStringLiteral("start")};
        const CliRun preview =
            as(QStringLiteral("mon"), rewind + QStringList{QStringLiteral("--dry-run")});
        QCOMPARE(preview.exitCode, 0);
        QVERIFY2(preview.out.contains("Not allowed: the user 'mon' may not rewind group g"),
                 preview.out.constData());
        const CliRun refused =
            as(QStringLiteral("mon"), rewind + QStringList{QStringLiteral("--yes")});
        QCOMPARE(refused.exitCode, 4);
        QVERIFY2(refused.err.contains("ACL SETUSER mon +eval +xgroup|setid")
                     && refused.err.contains("nothing was sent"),
                 refused.err.constData());
        QCOMPARE(group("acl-s").lastDelivered, idOf(19).toByteArray());
        const CliRun applied =
            as(QStringLiteral("rep"), rewind + QStringList{QStringLiteral("--yes")});
        QVERIFY2(applied.exitCode == 0, applied.err.constData());
        QCOMPARE(group("acl-s").lastDelivered, QByteArray("0-0"));
    }

    void readOnlyRefuses() {
        makeStream("ro", 20, 20);
        ConnectionSettings settings = m_server.settings();
        settings.readOnly = true;
        auto ro = openClient(settings);
        QVERIFY(ro.ok());
        auto p = planRewind(*ro.value(), "ro", "g", RewindTarget::start()); // previews work
        QVERIFY(p.ok());
        const qint64 evals = commandCalls(*m_c, "eval");
        auto o = applyRewind(*ro.value(), p.value());
        QVERIFY(!o.ok());
        QCOMPARE(o.error().kind, Error::Kind::ReadOnly);
        QVERIFY2(o.error().message.contains(QStringLiteral("read-only mode")),
                 qPrintable(o.error().message));
        QCOMPARE(commandCalls(*m_c, "eval"), evals);
        QCOMPARE(group("ro").lastDelivered, idOf(19).toByteArray());
        // The CLI: exit 5, nothing sent; --dry-run works.
        const CliRun refused =
            runCli(cli({QStringLiteral("--read-only"), QStringLiteral("group"),
                        QStringLiteral("rewind"), QStringLiteral("ro"), QStringLiteral("g"),
                        QStringLiteral("--to"), QStringLiteral("start"), QStringLiteral("--yes")}));
        QCOMPARE(refused.exitCode, 5);
        QVERIFY2(refused.err.contains("read-only mode"), refused.err.constData());
        QVERIFY(refused.err.contains("--dry-run"));
        QCOMPARE(commandCalls(*m_c, "eval"), evals);
        QCOMPARE(group("ro").lastDelivered, idOf(19).toByteArray());
        const CliRun dry = runCli(
            cli({QStringLiteral("--read-only"), QStringLiteral("group"), QStringLiteral("rewind"),
                 QStringLiteral("ro"), QStringLiteral("g"), QStringLiteral("--to"),
                 QStringLiteral("start"), QStringLiteral("--dry-run")}));
        QCOMPARE(dry.exitCode, 0);
        QVERIFY(dry.out.contains("It will receive 20 entries again"));
    }

    void cliDryRunAndJson() {
        makeStream("c", 100, 100);
        const QString at = idOf(40).toString();
        const qint64 evals = commandCalls(*m_c, "eval");
        const qint64 xgroups = commandCalls(*m_c, "xgroup|setid") + commandCalls(*m_c, "xgroup");
        const CliRun dry = runCli(
            cli({QStringLiteral("group"), QStringLiteral("rewind"), QStringLiteral("c"),
                 QStringLiteral("g"), QStringLiteral("--to"), at, QStringLiteral("--dry-run")}));
        QCOMPARE(dry.exitCode, 0);
        QVERIFY2(dry.out.contains("It will receive 60 entries again"), dry.out.constData());
        QVERIFY(dry.out.contains("Dry run: nothing was changed."));
        QCOMPARE(commandCalls(*m_c, "eval"), evals);
        QCOMPARE(commandCalls(*m_c, "xgroup|setid") + commandCalls(*m_c, "xgroup"), xgroups);
        QCOMPARE(group("c").lastDelivered, idOf(99).toByteArray());

        const CliRun dryJson =
            runCli(cli({QStringLiteral("group"), QStringLiteral("rewind"), QStringLiteral("c"),
                        QStringLiteral("g"), QStringLiteral("--to"), at,
                        QStringLiteral("--dry-run"), QStringLiteral("--json")}));
        QCOMPARE(dryJson.exitCode, 0);
        const QJsonObject d = QJsonDocument::fromJson(dryJson.out).object();
        QCOMPARE(d.value(QStringLiteral("applied")).toBool(true), false);
        const QJsonObject preview = d.value(QStringLiteral("preview")).toObject();
        QCOMPARE(preview.value(QStringLiteral("count")).toInteger(), 60);
        QCOMPARE(preview.value(QStringLiteral("direction")).toString(), QStringLiteral("rewind"));
        QCOMPARE(preview.value(QStringLiteral("first_next_id")).toString(), at);
        QCOMPARE(preview.value(QStringLiteral("new_entries_read")).toInteger(), 40);
        QCOMPARE(group("c").lastDelivered, idOf(99).toByteArray());

        // Applied (stdin is not a terminal: no question).
        const CliRun applied = runCli(
            cli({QStringLiteral("group"), QStringLiteral("rewind"), QStringLiteral("c"),
                 QStringLiteral("g"), QStringLiteral("--to"), at, QStringLiteral("--json")}));
        QCOMPARE(applied.exitCode, 0);
        const QJsonObject a = QJsonDocument::fromJson(applied.out).object();
        QVERIFY2(a.value(QStringLiteral("applied")).toBool(), applied.out.constData());
        const QJsonObject result = a.value(QStringLiteral("result")).toObject();
        QCOMPARE(result.value(QStringLiteral("lag")).toInteger(), 60);
        QCOMPARE(result.value(QStringLiteral("entries_read")).toInteger(), 40);
        QCOMPARE(group("c").lastDelivered, idOf(39).toByteArray());
        QCOMPARE(readAll("c").size(), 60);

        // Text output of an apply.
        const CliRun text =
            runCli(cli({QStringLiteral("group"), QStringLiteral("rewind"), QStringLiteral("c"),
                        QStringLiteral("g"), QStringLiteral("--to"), QStringLiteral("end")}));
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("Set g to the end") || text.out.contains("Skipped g"),
                 text.out.constData());

        const CliRun help =
            runCli({QStringLiteral("group"), QStringLiteral("rewind"), QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains("--dry-run"));
        QVERIFY(help.out.contains("Exit codes"));
    }

    // On a terminal without --yes the command asks first; "n" leaves the group as it is.
    // (script(1) gives the CLI a pseudo-terminal as stdin.)
    void asksOnATerminal() {
        makeStream("tty", 20, 20);
        auto answer = [&](const QByteArray &reply) {
            QProcess p;
            p.start(QStringLiteral("script"),
                    {QStringLiteral("-qec"),
                     QStringLiteral("%1 -u %2 group rewind tty g --to start")
                         .arg(executablePath(), m_server.url()),
                     QStringLiteral("/dev/null")});
            if (!p.waitForStarted(10000))
                qFatal("cannot run script(1) (util-linux): %s", qPrintable(p.errorString()));
            p.write(reply);
            p.closeWriteChannel();
            p.waitForFinished(30000);
            return std::make_pair(p.exitCode(), p.readAllStandardOutput());
        };
        const auto [noCode, no] = answer("n\n");
        QCOMPARE(noCode, 0);
        QVERIFY2(no.contains("Rewind g to the start (20 entries again)? [y/N]"), no.constData());
        QVERIFY(no.contains("Not applied: nothing was changed."));
        QCOMPARE(group("tty").lastDelivered, idOf(19).toByteArray());
        const auto [yesCode, yes] = answer("y\n");
        QCOMPARE(yesCode, 0);
        QVERIFY2(yes.contains("Rewound g to the start"), yes.constData());
        QCOMPARE(group("tty").lastDelivered, QByteArray("0-0"));
    }

    void badTargets_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("says");
        const QStringList head{QStringLiteral("group"), QStringLiteral("rewind"),
                               QStringLiteral("bt"), QStringLiteral("g")};
        QTest::newRow("no --to") << head << 2 << QStringLiteral("needs --to");
        QTest::newRow("garbage") << head
                                        + QStringList{QStringLiteral("--to"),
                                                      QStringLiteral("banana")}
                                 << 2 << QStringLiteral("--to \"banana\"");
        QTest::newRow("bad id") << head + QStringList{QStringLiteral("--to"), QStringLiteral("1-")}
                                << 2 << QStringLiteral("--to \"1-\"");
        QTest::newRow("future") << head
                                       + QStringList{QStringLiteral("--to"),
                                                     QStringLiteral("2999-01-01 00:00")}
                                << 2 << QStringLiteral("Use end");
        QTest::newRow("no group") << QStringList{QStringLiteral("group"), QStringLiteral("rewind"),
                                                 QStringLiteral("bt"),    QStringLiteral("nope"),
                                                 QStringLiteral("--to"),  QStringLiteral("start")}
                                  << 4 << QStringLiteral("has no group nope (its groups: g)");
        QTest::newRow("no stream") << QStringList{QStringLiteral("group"), QStringLiteral("rewind"),
                                                  QStringLiteral("zz"),    QStringLiteral("g"),
                                                  QStringLiteral("--to"),  QStringLiteral("start")}
                                   << 4 << QStringLiteral("there is no stream zz");
        QTest::newRow("not a stream")
            << QStringList{QStringLiteral("group"),    QStringLiteral("rewind"),
                           QStringLiteral("a-string"), QStringLiteral("g"),
                           QStringLiteral("--to"),     QStringLiteral("start")}
            << 4 << QStringLiteral("a-string is not a stream");
        QTest::newRow("missing group arg")
            << QStringList{QStringLiteral("group"), QStringLiteral("rewind"), QStringLiteral("bt"),
                           QStringLiteral("--to"), QStringLiteral("start")}
            << 2 << QStringLiteral("usage:");
    }
    void badTargets() {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, says);
        makeStream("bt", 10, 10);
        run(*m_c, {"SET", "a-string", "x"});
        const CliRun r = runCli(cli(args));
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(QString::fromUtf8(r.err).contains(says), r.err.constData());
        QCOMPARE(group("bt").lastDelivered, idOf(9).toByteArray());
    }

    void dialogPreviewsAndApplies() {
        makeStream("gui", 100, 100);
        GroupActions actions(m_server.settings());
        RewindDialog dialog(&actions, "gui", "g", false);
        dialog.show();
        dialog.choose(RewindDialog::Choice::Start);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.shownPlan().has_value(), 10000);
        QVERIFY2(dialog.previewText().contains(QStringLiteral("It will receive 100 entries again")),
                 qPrintable(dialog.previewText()));
        QCOMPARE(dialog.applyButton()->text(),
                 QStringLiteral("Rewind g to the start (100 entries again)"));
        QVERIFY(dialog.applyButton()->isEnabled());
        // A time: the label names it as shown.
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(qint64(idOf(40).ms));
        dialog.setTime(at);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.shownPlan().has_value(), 10000);
        const QString label = at.date() == QDate::currentDate()
                                  ? at.toString(QStringLiteral("HH:mm:ss"))
                                  : at.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        QCOMPARE(dialog.applyButton()->text(),
                 QStringLiteral("Rewind g to %1 (60 entries again)").arg(label));
        // A bad ID: said, nothing to apply.
        dialog.setEntryId(QStringLiteral("1-"));
        QTRY_VERIFY(!dialog.errorText().isEmpty());
        QVERIFY(!dialog.applyButton()->isEnabled());
        dialog.setTime(at);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.shownPlan().has_value(), 10000);
        QSignalSpy applied(&dialog, &RewindDialog::applied);
        dialog.applyButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 10000);
        QVERIFY(applied.first().at(0).toBool());
        QVERIFY2(dialog.resultText().contains(QStringLiteral("Rewound g")),
                 qPrintable(dialog.resultText()));
        QCOMPARE(group("gui").lag, std::optional<qint64>(60));
        // The preview that follows shows the group where it is now.
        QTRY_VERIFY_WITH_TIMEOUT(dialog.shownPlan().has_value(), 10000);
        QCOMPARE(dialog.shownPlan()->direction, RewindPlan::Direction::Unchanged);
        QVERIFY(dialog.grab().save(QDir::temp().filePath(QStringLiteral("rewind-dialog.png"))));
    }

    void dialogRefusesMovedAndReadOnly() {
        makeStream("gm", 30, 10);
        GroupActions actions(m_server.settings());
        RewindDialog dialog(&actions, "gm", "g", false);
        // The default time is a whole second, as the field shows it.
        auto *time = dialog.findChild<QDateTimeEdit *>(QStringLiteral("rewindTime"));
        QVERIFY(time);
        QCOMPARE(time->dateTime().time().msec(), 0);
        dialog.choose(RewindDialog::Choice::End);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.shownPlan().has_value(), 10000);
        // A group moved back since the preview: refused, with a new preview.
        run(*m_c, {"XGROUP", "SETID", "gm", "g", idOf(4).toByteArray(), "ENTRIESREAD", "5"});
        QSignalSpy applied(&dialog, &RewindDialog::applied);
        dialog.applyButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 1, 10000);
        QVERIFY(!applied.first().at(0).toBool());
        QVERIFY(dialog.resultText().contains(QStringLiteral("moved since the preview")));
        QCOMPARE(dialog.applyButton()->text(),
                 QStringLiteral("Skip g to the end (25 entries skipped)")); // the new preview
        QCOMPARE(group("gm").lastDelivered, idOf(4).toByteArray());
        // Its consumers reading on since the preview (a live group, the usual case): applied,
        // and the outcome says so.
        run(*m_c, {"XREADGROUP", "GROUP", "g", "other", "COUNT", "5", "STREAMS", "gm", ">"});
        dialog.applyButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(applied.size(), 2, 10000);
        QVERIFY2(applied.at(1).at(0).toBool(), qPrintable(dialog.resultText()));
        QVERIFY2(dialog.resultText().contains(QStringLiteral("20 entries skipped (its consumers "
                                                             "read 5 entries")),
                 qPrintable(dialog.resultText()));
        QCOMPARE(group("gm").lastDelivered, idOf(29).toByteArray());
        run(*m_c, {"XGROUP", "SETID", "gm", "g", idOf(14).toByteArray()});
        dialog.setReadOnly(true);
        QVERIFY(!dialog.applyButton()->isEnabled());
        QVERIFY(dialog.applyButton()->toolTip().contains(QStringLiteral("Read-only")));
        // The panel: read-only disables the action, with the reason.
        GroupsPanel panel;
        panel.setActions(&actions, true);
        QVERIFY(!panel.rewindButton()->isEnabled());
        QVERIFY(panel.rewindButton()->toolTip().contains(QStringLiteral("Read-only")));
        panel.setReadOnly(false);
        QVERIFY(!panel.rewindButton()->isEnabled()); // no group selected
        GroupSnapshot snapshot;
        auto status = fetchStreamStatus(*m_c, {"gm"}, 70015);
        QVERIFY(status.ok());
        snapshot.streams = status.value();
        snapshot.atMs = QDateTime::currentMSecsSinceEpoch();
        panel.showSnapshot(snapshot);
        panel.selectGroup("gm", "g");
        QTRY_VERIFY(panel.rewindButton()->isEnabled());
        QSignalSpy poll(&panel, &GroupsPanel::pollRequested);
        RewindDialog *opened = panel.openRewindDialog();
        QVERIFY(opened);
        opened->choose(RewindDialog::Choice::Start);
        QTRY_VERIFY_WITH_TIMEOUT(opened->shownPlan().has_value(), 10000);
        opened->applyButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(poll.size(), 1, 10000); // the figures are polled again
        QCOMPARE(group("gm").lastDelivered, QByteArray("0-0"));
        panel.setReadOnly(true);
        QVERIFY(!panel.rewindButton()->isEnabled());
        QVERIFY(!opened->applyButton()->isEnabled());
        // Another connection: the dialog of the old one closes.
        GroupActions other(m_server.settings());
        panel.setActions(&other, false);
        QTRY_VERIFY(!panel.rewindDialog());
    }

    // On a cluster the preview and the script go to the stream's node, which need not be the
    // node in the URL.
    void onACluster() {
        LocalRedisCluster cluster(LocalRedisCluster::Options{3, 0, 2000, {}});
        const Error started = cluster.start();
        QVERIFY2(!started,
                 qPrintable(QStringLiteral("cannot start the test cluster: ") + started.message));
        auto admin = openCluster(cluster.settings(0));
        QVERIFY(admin);
        QString elsewhere;
        for (const QString &p : admin->primaries())
            if (p != cluster.settings(0).endpoint())
                elsewhere = p;
        const QByteArray key = keyOn(*admin, elsewhere, "rewind");
        QVERIFY(!key.isEmpty());
        for (int i = 0; i < 20; ++i)
            QVERIFY(admin->command({"XADD", key, idOf(i).toByteArray(), "n", "1"}).ok());
        QVERIFY(admin->command({"XGROUP", "CREATE", key, "g", "$"}).ok());
        const CliRun r =
            runCli({QStringLiteral("-u"), cluster.url(0), QStringLiteral("group"),
                    QStringLiteral("rewind"), QString::fromUtf8(key), QStringLiteral("g"),
                    QStringLiteral("--to"), idOf(5).toString(), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value(QStringLiteral("preview"))
                     .toObject()
                     .value(QStringLiteral("count"))
                     .toInteger(),
                 15);
        QCOMPARE(
            o.value(QStringLiteral("result")).toObject().value(QStringLiteral("lag")).toInteger(),
            15);
        auto read =
            admin->command({"XREADGROUP", "GROUP", "g", "c", "COUNT", "100", "STREAMS", key, ">"});
        QVERIFY(read.ok());
        QCOMPARE(read->at(0).at(1).size(), size_t(15));
        QCOMPARE(read->at(0).at(1).at(0).at(0).bytes(), idOf(5).toByteArray());
    }
};

QTEST_MAIN(TestRewind)
#include "tst_rewind.moc"
