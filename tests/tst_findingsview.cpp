// The Findings tab against a real server with a real stuck group (read with XREADGROUP, never
// acknowledged, idle past a small health threshold): the advice shows whole, each repair changes
// the server as its confirmation said, read-only and ACL refusals disable with the reason, and
// stale findings are greyed.
#include "FindingsModel.h"
#include "FindingsView.h"
#include "GroupActions.h"
#include "Health.h"
#include "Palette.h"
#include "TestRedis.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

#include <atomic>
#include <memory>

using namespace streamscope;
using namespace streamscope::test;

namespace {

struct Asked {
    QString title, text, label;
    bool destructive = false;
};

} // namespace

class TestFindingsView : public QObject {
    Q_OBJECT
private:
    static constexpr qint64 idleThresholdMs = 1000;

    // The health rules over the server as it is now (what the session's poller does).
    GroupSnapshot judge(const QList<QByteArray> &streams) {
        auto c = connectTo(m_server.settings());
        GroupSnapshot snap;
        if (!c)
            return snap;
        const int version = fetchServerVersion(*c);
        auto status = fetchStreamStatus(*c, streams, version);
        if (!status.ok()) {
            QTest::qFail(qPrintable(status.error().message), __FILE__, __LINE__);
            return snap;
        }
        HealthOptions options;
        options.idleThresholdMs = idleThresholdMs;
        options.maxDeliveries = 5;
        auto samples = fetchPendingSamples(*c, status.value(), options);
        if (!samples.ok()) {
            QTest::qFail(qPrintable(samples.error().message), __FILE__, __LINE__);
            return snap;
        }
        snap.streams = status.value();
        snap.atMs = QDateTime::currentMSecsSinceEpoch();
        for (const StreamStatus &s : snap.streams)
            for (const GroupStatus &g : s.groups) {
                const QByteArray key = groupKey(s.info.name, g.name);
                snap.findings.insert(
                    key, evaluateGroup(s.info, g, {}, samples.value().value(key), options));
            }
        return snap;
    }

    // orders/payments: payments-2 read three entries and went quiet (idle past the threshold),
    // payments-1 works (it read and acknowledged one a moment ago). poison entries of
    // payments-2 were delivered 7 times.
    QList<QByteArray> stuckGroup(int poison = 0) {
        addEntries(*m_c, "orders", 0, 10);
        run(*m_c, {"XGROUP", "CREATE", "orders", "payments", "0"});
        const RedisReply read = run(*m_c, {"XREADGROUP", "GROUP", "payments", "payments-2", "COUNT",
                                           "3", "STREAMS", "orders", ">"});
        QList<QByteArray> ids;
        for (const RedisReply &e : read.at(0).at(1).elements())
            ids.append(e.at(0).bytes());
        for (int i = 0; i < poison; ++i)
            run(*m_c,
                {"XCLAIM", "orders", "payments", "payments-2", "0", ids.at(i), "RETRYCOUNT", "7"});
        QTest::qWait(int(idleThresholdMs) + 150);
        const RedisReply live = run(*m_c, {"XREADGROUP", "GROUP", "payments", "payments-1", "COUNT",
                                           "1", "STREAMS", "orders", ">"});
        run(*m_c, {"XACK", "orders", "payments", live.at(0).at(1).at(0).at(0).bytes()});
        return ids;
    }

    int rowOf(const FindingsView &view, const QString &kind) {
        for (int r = 0; r < view.model()->rowCount(); ++r)
            if (view.model()->finding(r).kind == kind)
                return r;
        return -1;
    }

    qint64 pendingOf(const QByteArray &consumer) {
        return run(*m_c, {"XPENDING", "orders", "payments", "-", "+", "100", consumer}).size();
    }

    // A view over the stuck group, with repairs through a real worker and answered confirmations.
    struct Fixture {
        GroupActions actions;
        FindingsView view;
        QList<Asked> asked;
        bool answer = true;
        explicit Fixture(const ConnectionSettings &settings)
            : actions(settings) {
            view.setActions(&actions);
            view.confirm = [this](const QString &title, const QString &text, const QString &label,
                                  bool destructive) {
                asked.append({title, text, label, destructive});
                return answer;
            };
            view.resize(900, 700);
        }
    };

private Q_SLOTS:
    void initTestCase() { STREAMSCOPE_START_REDIS(m_server); }
    void init() {
        m_c = connectTo(m_server.settings());
        run(*m_c, {"FLUSHALL"});
    }

    // The whole message and advice, word-wrapped in the details pane, at a width far below the
    // 1,280 px at which the table cut it.
    void adviceShowsWhole() {
        stuckGroup();
        FindingsView view;
        QAbstractItemModelTester tester(view.model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        view.resize(520, 640);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.showSnapshot(judge({"orders"}));
        const int dead = rowOf(view, QStringLiteral("dead-consumer"));
        QVERIFY(dead >= 0);
        QCOMPARE(view.model()->index(0, FindingsModel::SeverityColumn).data().toString(),
                 QStringLiteral("critical"));
        view.selectFinding(dead);
        const Finding &f = view.model()->finding(dead);
        QVERIFY(f.message.contains(QLatin1String("delete it")));
        QLabel *message = view.messageLabel();
        QCOMPARE(message->text(), f.message);
        QVERIFY(message->wordWrap());
        QTRY_VERIFY(message->isVisible());
        QVERIFY(message->width() <= view.width());
        QVERIFY2(message->height() >= message->heightForWidth(message->width()),
                 qPrintable(QStringLiteral("%1 < %2")
                                .arg(message->height())
                                .arg(message->heightForWidth(message->width()))));
        // To look at it: STREAMSCOPE_GRAB=FILE.png (and FILE.png-dark.png on a dark palette).
        if (qEnvironmentVariableIsSet("STREAMSCOPE_GRAB")) {
            view.grab().save(qEnvironmentVariable("STREAMSCOPE_GRAB"));
            const QPalette light = QApplication::palette();
            QPalette dark(QColor(0x30, 0x30, 0x30), QColor(0x25, 0x25, 0x25));
            dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
            dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
            QApplication::setPalette(dark);
            view.showSnapshot(judge({"orders"})); // colours come from the palette in use
            QApplication::processEvents();
            view.grab().save(qEnvironmentVariable("STREAMSCOPE_GRAB") + "-dark.png");
            QApplication::setPalette(light);
        }

        // The selection stays on the finding when the next poll reports it again.
        view.showSnapshot(judge({"orders"}));
        QVERIFY(view.currentFinding());
        QCOMPARE(view.currentFinding()->kind, QStringLiteral("dead-consumer"));

        // Double-click: its group.
        QSignalSpy wanted(&view, &FindingsView::groupWanted);
        const QModelIndex index = view.model()->index(dead, FindingsModel::KindColumn);
        const QPoint at = view.table()->visualRect(index).center();
        QTest::mouseClick(view.table()->viewport(), Qt::LeftButton, {}, at);
        QTest::mouseDClick(view.table()->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(wanted.size(), 1);
        QCOMPARE(wanted.first().at(0).toByteArray(), QByteArray("orders"));
        QCOMPARE(wanted.first().at(1).toByteArray(), QByteArray("payments"));
    }

    // Each finding offers the repairs that fit it, and only those.
    void repairsFitTheFinding() {
        stuckGroup(1);
        Fixture fx(m_server.settings());
        fx.view.showSnapshot(judge({"orders"}));
        struct Expect {
            const char *kind;
            QList<FindingsView::Repair> repairs;
        };
        using R = FindingsView::Repair;
        const Expect expected[] = {{"dead-consumer", {R::Claim, R::Autoclaim, R::DeleteConsumer}},
                                   {"stuck-entry", {R::Acknowledge, R::Claim, R::Autoclaim}},
                                   {"poison-entry", {R::Acknowledge, R::DeadLetter}}};
        for (const Expect &e : expected) {
            const int row = rowOf(fx.view, QString::fromLatin1(e.kind));
            QVERIFY2(row >= 0, e.kind);
            fx.view.selectFinding(row);
            for (R r : {R::Acknowledge, R::Claim, R::Autoclaim, R::DeleteConsumer, R::DeadLetter}) {
                QCOMPARE(fx.view.button(r)->isVisibleTo(&fx.view), e.repairs.contains(r));
                if (e.repairs.contains(r))
                    QVERIFY2(fx.view.button(r)->isEnabled(),
                             qPrintable(fx.view.button(r)->toolTip()));
            }
        }
        // The claim target is a live consumer, never the dead one.
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("dead-consumer")));
        QCOMPARE(fx.view.claimTarget()->count(), 1);
        QCOMPARE(fx.view.claimTarget()->currentText(), QStringLiteral("payments-1"));
        QCOMPARE(fx.view.liveConsumers("orders", "payments"), QList<QByteArray>{"payments-1"});
    }

    void acknowledgeStuckEntries() {
        stuckGroup();
        Fixture fx(m_server.settings());
        fx.view.showSnapshot(judge({"orders"}));
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("stuck-entry")));
        QSignalSpy done(&fx.view, &FindingsView::actionMessage);

        // Declined: nothing is sent.
        fx.answer = false;
        fx.view.button(FindingsView::Repair::Acknowledge)->click();
        QTRY_COMPARE(fx.asked.size(), 1);
        QCOMPARE(fx.asked.first().label, QStringLiteral("Acknowledge 3 entries"));
        QVERIFY(fx.asked.first().text.contains(QLatin1String("3 entries of group payments")));
        QVERIFY(fx.asked.first().destructive);
        QTest::qWait(200);
        QCOMPARE(pendingOf("payments-2"), 3);
        QCOMPARE(done.size(), 0);
        QVERIFY(fx.view.button(FindingsView::Repair::Acknowledge)->isEnabled());

        fx.answer = true;
        fx.view.button(FindingsView::Repair::Acknowledge)->click();
        QTRY_COMPARE(done.size(), 1);
        QVERIFY(done.first().at(1).toBool());
        QCOMPARE(pendingOf("payments-2"), 0);
        QCOMPARE(run(*m_c, {"XPENDING", "orders", "payments"}).at(0).integer(), 0);
        QVERIFY(fx.view.resultLabel()->text().contains(QLatin1String("Acknowledged 3")));
    }

    void claimForALiveConsumer() {
        stuckGroup();
        Fixture fx(m_server.settings());
        fx.view.showSnapshot(judge({"orders"}));
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("dead-consumer")));
        QSignalSpy done(&fx.view, &FindingsView::actionMessage);
        fx.view.button(FindingsView::Repair::Claim)->click();
        QTRY_COMPARE(done.size(), 1);
        QCOMPARE(fx.asked.size(), 1);
        QCOMPARE(fx.asked.first().label, QStringLiteral("Claim 3 entries for payments-1"));
        QVERIFY(!fx.asked.first().destructive);
        QVERIFY2(done.first().at(1).toBool(), qPrintable(done.first().at(0).toString()));
        QCOMPARE(pendingOf("payments-1"), 3);
        QCOMPARE(pendingOf("payments-2"), 0);
    }

    void autoclaimFromTheFindingsIdleTime() {
        stuckGroup();
        // One more entry, read by payments-2 now: not idle long enough to be taken.
        run(*m_c, {"XREADGROUP", "GROUP", "payments", "payments-2", "COUNT", "1", "STREAMS",
                   "orders", ">"});
        Fixture fx(m_server.settings());
        fx.view.showSnapshot(judge({"orders"}));
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("stuck-entry")));
        QCOMPARE(*fx.view.currentFinding()->minIdleMs, idleThresholdMs);
        // payments-2 read a moment ago: it counts as live too; payments-1 takes them here.
        fx.view.claimTarget()->setCurrentIndex(fx.view.claimTarget()->findText("payments-1"));
        QSignalSpy done(&fx.view, &FindingsView::actionMessage);
        fx.view.button(FindingsView::Repair::Autoclaim)->click();
        QTRY_COMPARE(done.size(), 1);
        QCOMPARE(fx.asked.first().label,
                 QStringLiteral("Autoclaim up to 3 entries for payments-1"));
        QVERIFY(fx.asked.first().text.contains(QLatin1String("at least 1 s")));
        QVERIFY2(done.first().at(1).toBool(), qPrintable(done.first().at(0).toString()));
        QVERIFY(done.first().at(0).toString().startsWith(QLatin1String("Claimed 3 entries")));
        QCOMPARE(pendingOf("payments-1"), 3);
        QCOMPARE(pendingOf("payments-2"), 1); // the fresh one stays
    }

    void deleteAnIdleConsumerSaysWhatItHolds() {
        stuckGroup();
        Fixture fx(m_server.settings());
        fx.view.showSnapshot(judge({"orders"}));
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("dead-consumer")));
        QSignalSpy done(&fx.view, &FindingsView::actionMessage);
        fx.view.button(FindingsView::Repair::DeleteConsumer)->click();
        QTRY_COMPARE(done.size(), 1);
        QCOMPARE(fx.asked.size(), 1);
        QCOMPARE(fx.asked.first().label,
                 QStringLiteral("Delete consumer payments-2 (holds 3 pending entries)"));
        QVERIFY(fx.asked.first().text.contains(QLatin1String("lost from the pending list")));
        QVERIFY(fx.asked.first().destructive);
        QVERIFY2(done.first().at(1).toBool(), qPrintable(done.first().at(0).toString()));
        QVERIFY(done.first().at(0).toString().contains(QLatin1String("3 pending entries")));
        const RedisReply consumers = run(*m_c, {"XINFO", "CONSUMERS", "orders", "payments"});
        QCOMPARE(consumers.size(), 1); // payments-1 alone
        QCOMPARE(run(*m_c, {"XPENDING", "orders", "payments"}).at(0).integer(), 0);
    }

    void poisonEntriesMoveToDeadLetters() {
        const QList<QByteArray> ids = stuckGroup(2);
        Fixture fx(m_server.settings());
        fx.view.showSnapshot(judge({"orders"}));
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("poison-entry")));
        QSignalSpy done(&fx.view, &FindingsView::actionMessage);
        fx.view.button(FindingsView::Repair::DeadLetter)->click();
        QTRY_COMPARE(done.size(), 1);
        QCOMPARE(fx.asked.first().label, QStringLiteral("Move 2 entries to dead letters"));
        QVERIFY(fx.asked.first().text.contains(QString::fromLatin1(ids.at(0))));
        QVERIFY(fx.asked.first().text.contains(QLatin1String("orders:dlq")));
        QVERIFY2(done.first().at(1).toBool(), qPrintable(done.first().at(0).toString()));
        QCOMPARE(run(*m_c, {"XLEN", "orders:dlq"}).integer(), 2);
        QCOMPARE(pendingOf("payments-2"), 1);

        // One poison entry left: "1 entry", acknowledged.
        run(*m_c,
            {"XCLAIM", "orders", "payments", "payments-2", "0", ids.at(2), "RETRYCOUNT", "9"});
        fx.view.showSnapshot(judge({"orders"}));
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("poison-entry")));
        fx.view.button(FindingsView::Repair::Acknowledge)->click();
        QTRY_COMPARE(done.size(), 2);
        QCOMPARE(fx.asked.last().label, QStringLiteral("Acknowledge 1 entry"));
        QCOMPARE(pendingOf("payments-2"), 0);
    }

    // Entries acknowledged by someone else since the poll: nothing is asked, and it says so.
    void nothingLeftToDoSaysSo() {
        const QList<QByteArray> ids = stuckGroup();
        Fixture fx(m_server.settings());
        fx.view.showSnapshot(judge({"orders"}));
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("stuck-entry")));
        run(*m_c, Command{"XACK", "orders", "payments"} + ids);
        QSignalSpy done(&fx.view, &FindingsView::actionMessage);
        fx.view.button(FindingsView::Repair::Claim)->click();
        QTRY_COMPARE(done.size(), 1);
        QCOMPARE(fx.asked.size(), 0);
        QVERIFY(done.first().at(0).toString().startsWith(QLatin1String("Nothing to do")));
        QCOMPARE(fx.view.resultLabel()->text(), done.first().at(0).toString());
        QVERIFY(fx.view.button(FindingsView::Repair::Claim)->isEnabled());
    }

    // A server that is gone: the repair says why, in the pane and to the status bar, and the
    // buttons come back.
    void lostConnectionSaysWhy() {
        stuckGroup();
        LocalRedisServer doomed;
        STREAMSCOPE_START_REDIS(doomed);
        const ConnectionSettings gone = doomed.settings();
        doomed.kill();
        Fixture fx(gone);
        fx.view.showSnapshot(judge({"orders"}));
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("stuck-entry")));
        QSignalSpy done(&fx.view, &FindingsView::actionMessage);
        fx.view.button(FindingsView::Repair::Acknowledge)->click(); // reads first: fails there
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 20000);
        fx.view.button(FindingsView::Repair::Autoclaim)->click(); // fails in the repair itself
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 2, 20000);
        QCOMPARE(fx.asked.size(), 1); // the autoclaim's question; the read failed before one
        for (const QList<QVariant> &result : done) {
            const QString message = result.at(0).toString();
            QVERIFY2(!result.at(1).toBool(), qPrintable(message));
            QVERIFY2(message.contains(QString::number(gone.port)), qPrintable(message));
        }
        QCOMPARE(fx.view.resultLabel()->text(), done.last().at(0).toString());
        QVERIFY(fx.view.resultLabel()->styleSheet().contains(toneColour(Tone::Critical).name()));
        QVERIFY(fx.view.button(FindingsView::Repair::Acknowledge)->isEnabled());
    }

    // Read-only disables every repair in place, with the reason, and back; the client refuses
    // the new worker slots too.
    void readOnlyDisablesWithTheReason() {
        stuckGroup();
        Fixture fx(m_server.settings());
        fx.view.showSnapshot(judge({"orders"}));
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("dead-consumer")));
        const int rows = fx.view.model()->rowCount();
        QSignalSpy resets(fx.view.model(), &QAbstractItemModel::modelReset);
        fx.view.setReadOnly(true);
        for (auto r : {FindingsView::Repair::Claim, FindingsView::Repair::Autoclaim,
                       FindingsView::Repair::DeleteConsumer}) {
            QVERIFY(!fx.view.button(r)->isEnabled());
            QVERIFY(fx.view.button(r)->toolTip().startsWith(QLatin1String("Read-only mode")));
        }
        QVERIFY(fx.view.repairNoteLabel()->text().contains(QLatin1String("Read-only mode")));
        fx.view.repair(FindingsView::Repair::DeleteConsumer); // refused before any question
        QCOMPARE(fx.asked.size(), 0);
        QCOMPARE(resets.size(), 0); // in place: nothing reloaded
        QCOMPARE(fx.view.model()->rowCount(), rows);
        QCOMPARE(fx.view.currentFinding()->kind, QStringLiteral("dead-consumer"));
        fx.view.setReadOnly(false);
        QVERIFY(fx.view.button(FindingsView::Repair::DeleteConsumer)->isEnabled());
        QVERIFY(fx.view.repairNoteLabel()->text().isEmpty());

        ConnectionSettings readOnly = m_server.settings();
        readOnly.readOnly = true;
        GroupActions refusing(readOnly);
        QSignalSpy finished(refusing.worker(), &GroupActionsWorker::actionFinished);
        GroupActionsWorker *w = refusing.worker();
        QMetaObject::invokeMethod(w, [w] { w->autoclaim("orders", "payments", "x", 0, 10); });
        QMetaObject::invokeMethod(w,
                                  [w] { w->deleteConsumer("orders", "payments", "payments-2"); });
        QTRY_COMPARE(finished.size(), 2);
        for (const QList<QVariant> &result : finished) {
            QVERIFY(!result.at(0).toBool());
            QVERIFY(result.at(1).toString().contains(QLatin1String("read-only")));
        }
        QCOMPARE(pendingOf("payments-2"), 3);

        // The session's switch, flipped on a worker already connected: refused, then done.
        ConnectionSettings switched = m_server.settings();
        switched.readOnlySwitch = std::make_shared<std::atomic<bool>>(false);
        GroupActions live(switched);
        GroupActionsWorker *lw = live.worker();
        QSignalSpy liveDone(lw, &GroupActionsWorker::actionFinished);
        QMetaObject::invokeMethod(lw, [lw] { lw->findPending(1, "orders", "payments", {}, 0, 1); });
        switched.readOnlySwitch->store(true);
        QMetaObject::invokeMethod(lw,
                                  [lw] { lw->deleteConsumer("orders", "payments", "payments-2"); });
        QTRY_COMPARE(liveDone.size(), 1);
        QVERIFY(!liveDone.first().at(0).toBool());
        QCOMPARE(pendingOf("payments-2"), 3);
        switched.readOnlySwitch->store(false);
        QMetaObject::invokeMethod(lw,
                                  [lw] { lw->deleteConsumer("orders", "payments", "payments-2"); });
        QTRY_COMPARE(liveDone.size(), 2);
        QVERIFY2(liveDone.last().at(0).toBool(), qPrintable(liveDone.last().at(1).toString()));
        QCOMPARE(pendingOf("payments-2"), 0);
    }

    // What the ACL forbids is disabled with the server's reason.
    void forbiddenByAclDisablesWithTheReason() {
        stuckGroup();
        Fixture fx(m_server.settings());
        fx.view.showSnapshot(judge({"orders"}));
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("dead-consumer")));
        // A user that may do everything but delete consumers, as the server says (ACL DRYRUN).
        run(*m_c,
            {"ACL", "SETUSER", "nodel", "on", ">pw", "~*", "&*", "+@all", "-xgroup|delconsumer"});
        ConnectionSettings nodel = m_server.settings();
        nodel.user = QStringLiteral("nodel");
        nodel.password = QStringLiteral("pw");
        auto asNodel = connectTo(nodel);
        QVERIFY(asNodel);
        const Permissions permissions = probePermissions(*asNodel, "orders");
        QVERIFY(permissions.probed);
        QVERIFY(!permissions.allows("XGROUP|DELCONSUMER"));
        fx.view.setPermissions(permissions);
        QPushButton *del = fx.view.button(FindingsView::Repair::DeleteConsumer);
        QVERIFY(!del->isEnabled());
        QVERIFY2(del->toolTip().contains(permissions.whyNot("XGROUP|DELCONSUMER")),
                 qPrintable(del->toolTip()));
        QVERIFY(del->toolTip().contains(QLatin1String("nodel")));
        QVERIFY(fx.view.button(FindingsView::Repair::Claim)->isEnabled());
        fx.view.setPermissions({});
        QVERIFY(del->isEnabled());
        run(*m_c, {"ACL", "DELUSER", "nodel"});
    }

    // While not current: greyed, "last updated hh:mm:ss" and why, repairs wait; then back.
    void staleFindingsAreGreyed() {
        stuckGroup();
        Fixture fx(m_server.settings());
        fx.view.showSnapshot(judge({"orders"}));
        fx.view.selectFinding(rowOf(fx.view, QStringLiteral("dead-consumer")));
        const QModelIndex severity = fx.view.model()->index(0, FindingsModel::SeverityColumn);
        QCOMPARE(severity.data(Qt::ForegroundRole).value<QColor>(), toneColour(Tone::Critical));
        QVERIFY(fx.view.noteLabel()->isHidden());

        Freshness stale;
        stale.state = Freshness::State::Stale;
        stale.lastUpdatedMs = QDateTime::currentMSecsSinceEpoch() - 5000;
        stale.reason = QStringLiteral("the server does not answer");
        fx.view.setFreshness(stale);
        QCOMPARE(severity.data(Qt::ForegroundRole).value<QColor>(), toneColour(Tone::Muted));
        QCOMPARE(fx.view.model()
                     ->index(0, FindingsModel::MessageColumn)
                     .data(Qt::ForegroundRole)
                     .value<QColor>(),
                 toneColour(Tone::Muted));
        QVERIFY(!fx.view.noteLabel()->isHidden());
        QVERIFY(fx.view.noteLabel()->text().contains(stale.lastUpdatedText()));
        QVERIFY(fx.view.noteLabel()->text().contains(QLatin1String("does not answer")));
        QVERIFY(fx.view.messageLabel()->styleSheet().contains(toneColour(Tone::Muted).name()));
        QPushButton *claim = fx.view.button(FindingsView::Repair::Claim);
        QVERIFY(!claim->isEnabled());
        QVERIFY(claim->toolTip().contains(QLatin1String("not current")));

        Freshness gone;
        gone.lastUpdatedMs = stale.lastUpdatedMs;
        fx.view.setFreshness(gone); // not connected, no reason given: the state says it
        QCOMPARE(fx.view.noteLabel()->text(),
                 QStringLiteral("Not current: not connected; %1.").arg(stale.lastUpdatedText()));

        Freshness current;
        current.state = Freshness::State::Current;
        current.lastUpdatedMs = QDateTime::currentMSecsSinceEpoch();
        fx.view.setFreshness(current);
        QCOMPARE(severity.data(Qt::ForegroundRole).value<QColor>(), toneColour(Tone::Critical));
        QVERIFY(fx.view.noteLabel()->isHidden());
        QVERIFY(fx.view.messageLabel()->styleSheet().isEmpty());
        QVERIFY(claim->isEnabled());
    }

    // Partial findings say so, with why.
    void partialFindingsSaySo() {
        stuckGroup();
        FindingsView view;
        view.showSnapshot(judge({"orders"}), true,
                          QStringLiteral("1 stream the user may not read: its groups are not "
                                         "judged"));
        QVERIFY(!view.noteLabel()->isHidden());
        QVERIFY(view.noteLabel()->text().contains(QLatin1String("may not read")));
        view.showSnapshot(judge({"orders"}));
        QVERIFY(view.noteLabel()->isHidden());
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_c;
};

QTEST_MAIN(TestFindingsView)
#include "tst_findingsview.moc"
