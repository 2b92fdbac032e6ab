// The consumer-group views against a real server: models under QAbstractItemModelTester fed by
// GroupPoller, the paged pending explorer, actions through GroupActions, read-only mode.
#include "GroupActions.h"
#include "GroupModels.h"
#include "GroupPoller.h"
#include "GroupsPanel.h"
#include "MainWindow.h"
#include "ServerPoller.h"
#include "TestRedis.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>

#include <cstdio>

using namespace streamscope;
using namespace streamscope::test;

class TestGroupsPanel : public QObject {
    Q_OBJECT
private:
    // INFO commandstats' rejected_calls of one command (refused by ACL, among others).
    qint64 rejectedCalls(const char *command) {
        const QByteArray stats = run(*m_c, {"INFO", "commandstats"}).bytes();
        const QByteArray key = QByteArray("cmdstat_") + command + ":";
        const qsizetype at = stats.indexOf(key);
        if (at < 0)
            return 0;
        const QByteArray line = stats.mid(at, stats.indexOf('\r', at) - at);
        const qsizetype field = line.indexOf("rejected_calls=");
        return field < 0 ? 0 : line.mid(field + 15).split(',').first().toLongLong();
    }

    GroupSnapshot poll(const QList<QByteArray> &streams, qint64 idleMs = 200) {
        GroupPoller::Options options;
        options.intervalMs = 100;
        options.health.idleThresholdMs = idleMs;
        options.health.windowSeconds = 0;
        GroupPollerThread poller(m_server.settings(), options);
        poller.poller()->setStreams(streams);
        GroupSnapshot last;
        QObject context;
        int count = 0;
        QObject::connect(poller.poller(), &GroupPoller::snapshot, &context,
                         [&](const GroupSnapshot &s) {
                             last = s;
                             ++count;
                         });
        poller.start();
        if (!QTest::qWaitFor([&] { return count >= 2; }, 10000))
            QTest::qFail("the group poller sent no snapshot", __FILE__, __LINE__);
        return last;
    }

private Q_SLOTS:
    void initTestCase() { STREAMSCOPE_START_REDIS(m_server); }
    void init() {
        m_c = connectTo(m_server.settings());
        run(*m_c, {"FLUSHALL"});
    }

    // Choosing another stream in the stream list filters the groups table: the consumers pane
    // follows the group shown, never one filtered out (the issue 10 review saw payment-events'
    // consumers under zeta's group).
    void consumersFollowTheStreamFilter() {
        addEntries(*m_c, "orders", 0, 5);
        addEntries(*m_c, "quiet", 0, 5);
        run(*m_c, {"XGROUP", "CREATE", "orders", "payments", "0"});
        run(*m_c, {"XGROUP", "CREATE", "quiet", "audit", "0"});
        run(*m_c,
            {"XREADGROUP", "GROUP", "payments", "worker", "COUNT", "2", "STREAMS", "orders", ">"});
        GroupsPanel panel;
        panel.showSnapshot(poll({"orders", "quiet"}));
        panel.selectGroup("orders", "payments");
        QCOMPARE(panel.consumersModel()->rowCount(), 1);

        panel.setStreamFilter({"quiet"});
        QCOMPARE(panel.selectedGroupKey(), groupKey("quiet", "audit"));
        QCOMPARE(panel.consumersModel()->rowCount(), 0);

        panel.setStreamFilter({"nothing-here"});
        QCOMPARE(panel.selectedGroupKey(), QByteArray());
        QCOMPARE(panel.consumersModel()->rowCount(), 0);

        panel.setStreamFilter({"orders"});
        QCOMPARE(panel.selectedGroupKey(), groupKey("orders", "payments"));
        QCOMPARE(panel.consumersModel()->rowCount(), 1);
    }

    void modelsShowTheSnapshot() {
        addEntries(*m_c, "orders", 0, 30);
        run(*m_c, {"XGROUP", "CREATE", "orders", "payments", "0"});
        run(*m_c, {"XGROUP", "CREATE", "orders", "audit", "$"});
        run(*m_c,
            {"XREADGROUP", "GROUP", "payments", "dead", "COUNT", "10", "STREAMS", "orders", ">"});
        QTest::qWait(300);
        const GroupSnapshot snap = poll({"orders"});
        QCOMPARE(snap.streams.size(), 1);

        GroupsPanel panel;
        QAbstractItemModelTester t1(panel.groupsModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(panel.consumersModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        panel.showSnapshot(snap);
        GroupsModel *groups = panel.groupsModel();
        QCOMPARE(groups->rowCount(), 2);
        int payments = groups->index(0, GroupsModel::GroupColumn).data().toString()
                               == QLatin1String("payments")
                           ? 0
                           : 1;
        QCOMPARE(groups->index(payments, GroupsModel::PendingColumn).data().toInt(), 10);
        QCOMPARE(groups->index(payments, GroupsModel::LagColumn).data().toString(),
                 QStringLiteral("20"));
        QCOMPARE(groups->index(payments, GroupsModel::ConsumersColumn).data().toInt(), 1);
        QCOMPARE(groups->index(payments, GroupsModel::StatusColumn).data().toString(),
                 QStringLiteral("critical"));
        QCOMPARE(groups->index(1 - payments, GroupsModel::StatusColumn).data().toString(),
                 QStringLiteral("ok"));
        QVERIFY(groups->index(payments, GroupsModel::TimeLagColumn).data().toString()
                != QLatin1String("0"));

        // The worst group is selected first; its consumers and chart follow.
        QCOMPARE(panel.selectedGroupKey(), groupKey("orders", "payments"));
        QCOMPARE(panel.consumersModel()->rowCount(), 1);
        QCOMPARE(panel.consumersModel()->index(0, ConsumersModel::NameColumn).data().toString(),
                 QStringLiteral("dead"));
        QCOMPARE(panel.lagSeries()->count(), 1);
        QCOMPARE(panel.lagSeries()->at(0).y(), 20.0);
        panel.showSnapshot(snap);
        QCOMPARE(panel.lagSeries()->count(), 2); // one point per snapshot, replaced at once

        // Findings: the dead consumer among them, critical first.
        FindingsModel findings;
        QAbstractItemModelTester t3(&findings,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        FindingList all;
        for (const FindingList &l : snap.findings)
            all.append(l);
        findings.setFindings(all);
        QVERIFY(findings.rowCount() >= 2);
        QCOMPARE(findings.index(0, FindingsModel::SeverityColumn).data().toString(),
                 QStringLiteral("critical"));
        bool dead = false;
        for (int r = 0; r < findings.rowCount(); ++r)
            dead = dead
                   || findings.index(r, FindingsModel::KindColumn).data()
                          == QStringLiteral("dead-consumer");
        QVERIFY(dead);
    }

    // A user without XRANGE or XPENDING: the time lag and the oldest pending age read
    // "unknown" with the reason as the tooltip, never 0 or "-" (the review saw "Time lag 0").
    void unknownFiguresSayUnknown() {
        addEntries(*m_c, "acl-orders", 0, 5);
        run(*m_c, {"XGROUP", "CREATE", "acl-orders", "billing", "0"});
        run(*m_c,
            {"XREADGROUP", "GROUP", "billing", "c1", "COUNT", "2", "STREAMS", "acl-orders", ">"});
        GroupSnapshot snap = poll({"acl-orders"});
        QCOMPARE(snap.streams.size(), 1);
        GroupStatus &g = snap.streams[0].groups[0];
        g.timeLagUnknown = QStringLiteral("unknown: no permission (add +xrange)");
        g.pendingUnknown = QStringLiteral("unknown: no permission (add +xpending)");
        GroupsPanel panel;
        panel.showSnapshot(snap);
        GroupsModel *groups = panel.groupsModel();
        QCOMPARE(groups->rowCount(), 1);
        const QModelIndex timeLag = groups->index(0, GroupsModel::TimeLagColumn);
        const QModelIndex oldest = groups->index(0, GroupsModel::OldestPendingColumn);
        QCOMPARE(timeLag.data().toString(), QStringLiteral("unknown"));
        QCOMPARE(timeLag.data(Qt::ToolTipRole).toString(), g.timeLagUnknown);
        QCOMPARE(oldest.data().toString(), QStringLiteral("unknown"));
        QCOMPARE(oldest.data(Qt::ToolTipRole).toString(), g.pendingUnknown);
    }

    // Sorting pending entries by ID uses both parts: the sequence number was lost in a
    // floating-point key (a millisecond time is ~1.7e12), so ...-10 could sort before ...-4.
    void pendingSortsByBothPartsOfTheId() {
        PendingModel model;
        QSignalSpy wanted(&model, &PendingModel::pageWanted);
        model.reset("s", "g", {}, 0);
        QCOMPARE(wanted.count(), 1);
        PendingEntryList page;
        for (quint64 seq : {4, 10, 0, 5})
            page.append({StreamId{1700000000000, seq}, "c1", 0, 1});
        page.append({StreamId{1699999999999, 99}, "c1", 0, 1});
        QVERIFY(model.addPage(wanted.at(0).at(0).toInt(), page));
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(PendingModel::SortRole);
        proxy.sort(PendingModel::IdColumn, Qt::AscendingOrder);
        QStringList ids;
        for (int row = 0; row < proxy.rowCount(); ++row)
            ids << proxy.index(row, PendingModel::IdColumn).data().toString();
        QCOMPARE(ids, QStringList({"1699999999999-99", "1700000000000-0", "1700000000000-4",
                                   "1700000000000-5", "1700000000000-10"}));
    }

    void pendingIsPagedNotLoadedWhole() {
        addEntries(*m_c, "big", 0, 500);
        run(*m_c, {"XGROUP", "CREATE", "big", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "450", "STREAMS", "big", ">"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c2", "COUNT", "50", "STREAMS", "big", ">"});
        GroupActions actions(m_server.settings());
        PendingModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QObject::connect(&model, &PendingModel::pageWanted, actions.worker(),
                         &GroupActionsWorker::fetchPendingPage);
        QObject::connect(actions.worker(), &GroupActionsWorker::pendingPage, &model,
                         [&model](int request, const PendingEntryList &page, const QString &) {
                             model.addPage(request, page);
                         });
        // One page at first; more only when a view asks (scrolling), page by page.
        model.reset("big", "g", {}, 0);
        QTRY_COMPARE(model.rowCount(), PendingModel::pageSize);
        QTest::qWait(200);
        QCOMPARE(model.rowCount(), PendingModel::pageSize);
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QTRY_COMPARE(model.rowCount(), 2 * PendingModel::pageSize);
        model.fetchMore({});
        QTRY_COMPARE(model.rowCount(), 500);
        QTRY_VERIFY(!model.canFetchMore({}));
        for (int i = 1; i < model.rowCount(); ++i)
            QVERIFY(model.entry(i - 1).id < model.entry(i).id); // paged by ID, no overlap

        model.reset("big", "g", "c2", 0); // filtered by consumer
        QTRY_COMPARE(model.rowCount(), 50);
        QCOMPARE(model.entry(0).consumer, QByteArray("c2"));
        model.reset("big", "g", {}, 3600000); // nothing idle for an hour
        QTest::qWait(300);
        QCOMPARE(model.rowCount(), 0);
    }

    void actionsAskAndAct() {
        addEntries(*m_c, "work", 0, 5);
        run(*m_c, {"XGROUP", "CREATE", "work", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "5", "STREAMS", "work", ">"});
        GroupActions actions(m_server.settings());
        GroupsPanel panel;
        panel.setActions(&actions, false);
        QStringList asked;
        panel.confirm = [&](const QString &q) {
            asked << q;
            return true;
        };
        panel.showSnapshot(poll({"work"}, 60000));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 5);
        panel.pendingView()->selectRow(0);
        panel.pendingView()->selectionModel()->select(panel.pendingView()->model()->index(1, 0),
                                                      QItemSelectionModel::Select
                                                          | QItemSelectionModel::Rows);
        QSignalSpy done(&panel, &GroupsPanel::actionMessage);
        for (QPushButton *b : panel.findChildren<QPushButton *>())
            if (b->text() == QLatin1String("Acknowledge"))
                b->click();
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked.first(), QStringLiteral("Acknowledge 2 entries of group g on work?"));
        QTRY_COMPARE(done.size(), 1);
        QVERIFY(done.first().at(1).toBool());
        QCOMPARE(run(*m_c, {"XPENDING", "work", "g"}).at(0).integer(), 3);
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 3); // reloaded after the action

        // Declined: nothing happens.
        panel.confirm = [](const QString &) { return false; };
        panel.pendingView()->selectRow(0);
        for (QPushButton *b : panel.findChildren<QPushButton *>())
            if (b->text() == QLatin1String("Move to dead-letter"))
                b->click();
        QTest::qWait(300);
        QCOMPARE(run(*m_c, {"XPENDING", "work", "g"}).at(0).integer(), 3);
        QCOMPARE(run(*m_c, {"EXISTS", "work:dlq"}).integer(), 0);
    }

    void readOnlyDisablesAndRefuses() {
        addEntries(*m_c, "ro", 0, 2);
        run(*m_c, {"XGROUP", "CREATE", "ro", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "ro", ">"});
        ConnectionSettings readOnly = m_server.settings();
        readOnly.readOnly = true;
        GroupActions actions(readOnly);
        GroupsPanel panel;
        panel.setActions(&actions, true);
        for (QPushButton *b : panel.findChildren<QPushButton *>()) // export only reads
            QVERIFY2(b->isEnabled()
                         == (b->text() == QLatin1String("Export...")
                             || b->text() == QLatin1String("Show all")),
                     qPrintable(b->text()));
        // Even if a view tried, core refuses: nothing reaches the server.
        run(*m_c, {"CONFIG", "RESETSTAT"});
        QSignalSpy done(actions.worker(), &GroupActionsWorker::actionFinished);
        const QByteArray id = run(*m_c, {"XRANGE", "ro", "-", "+"}).at(0).at(0).bytes();
        QMetaObject::invokeMethod(actions.worker(),
                                  [&] { actions.worker()->ack("ro", "g", {id}); });
        QMetaObject::invokeMethod(actions.worker(),
                                  [&] { actions.worker()->claim("ro", "g", "x", {id}); });
        QMetaObject::invokeMethod(actions.worker(),
                                  [&] { actions.worker()->deadLetter("ro", "g", {id}); });
        QTRY_COMPARE(done.size(), 3);
        for (const QList<QVariant> &result : done) {
            QVERIFY(!result.at(0).toBool());
            QVERIFY(result.at(1).toString().contains(QLatin1String("read-only")));
        }
        const QByteArray stats = run(*m_c, {"INFO", "commandstats"}).bytes();
        for (const char *cmd : {"cmdstat_xack", "cmdstat_xclaim", "cmdstat_xadd", "cmdstat_multi"})
            QVERIFY2(!stats.contains(cmd), cmd);
        QCOMPARE(run(*m_c, {"XPENDING", "ro", "g"}).at(0).integer(), 2);
    }

    // A dead-letter whose XRANGE is refused (an ACL user without +xrange) must not move an
    // empty body and acknowledge the entry: it stays pending, the DLQ stays empty, and the
    // server's message is what the user reads. The entry pane says the same, not "deleted".
    void deadLetterWithoutXrangeLosesNothing() {
        addEntries(*m_c, "jobs", 0, 2);
        run(*m_c, {"XGROUP", "CREATE", "jobs", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "jobs", ">"});
        run(*m_c, {"ACL", "SETUSER", "noxrange", "on", ">pw", "~*", "+@all", "-xrange"});
        ConnectionSettings limited = m_server.settings();
        limited.user = QStringLiteral("noxrange");
        limited.password = QStringLiteral("pw");
        GroupActions actions(limited);
        const QByteArray id = run(*m_c, {"XRANGE", "jobs", "-", "+"}).at(0).at(0).bytes();
        QSignalSpy done(actions.worker(), &GroupActionsWorker::actionFinished);
        QSignalSpy entry(actions.worker(), &GroupActionsWorker::entry);
        GroupActionsWorker *w = actions.worker();
        QMetaObject::invokeMethod(w, [w, id] { w->deadLetter("jobs", "g", {id}); });
        QMetaObject::invokeMethod(w, [w, id] { w->fetchEntry("jobs", id); });
        QTRY_COMPARE(done.size(), 1);
        QVERIFY(!done.first().at(0).toBool());
        const QString message = done.first().at(1).toString();
        QVERIFY2(message.contains(QLatin1String("NOPERM")), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("still pending")), qPrintable(message));
        QCOMPARE(run(*m_c, {"XPENDING", "jobs", "g"}).at(0).integer(), 2);
        QCOMPARE(run(*m_c, {"EXISTS", "jobs:dlq"}).integer(), 0);
        QTRY_COMPARE(entry.size(), 1);
        QVERIFY(entry.first().at(2).value<StreamEntryList>().isEmpty());
        QVERIFY(entry.first().at(3).toString().contains(QLatin1String("NOPERM")));

        // Proven deleted (XRANGE answers with no entry): its record is moved, and said so.
        run(*m_c, {"XDEL", "jobs", id});
        QMetaObject::invokeMethod(w, [w, id] { w->deadLetter("jobs", "g", {id}); });
        QTRY_COMPARE(done.size(), 2);
        QVERIFY(!done.at(1).at(0).toBool()); // the same user still cannot read
        GroupActions admin(m_server.settings());
        QSignalSpy adminDone(admin.worker(), &GroupActionsWorker::actionFinished);
        QMetaObject::invokeMethod(admin.worker(),
                                  [&admin, id] { admin.worker()->deadLetter("jobs", "g", {id}); });
        QTRY_COMPARE(adminDone.size(), 1);
        QVERIFY(adminDone.first().at(0).toBool());
        QVERIFY2(adminDone.first().at(1).toString().contains(QLatin1String("no longer existed")),
                 qPrintable(adminDone.first().at(1).toString()));
        const RedisReply dlq = run(*m_c, {"XRANGE", "jobs:dlq", "-", "+"});
        QCOMPARE(dlq.size(), size_t(1));
        QVERIFY(dlq.at(0).at(1).toDebugString().contains(QLatin1String("\"dlq.deleted\", \"1\"")));
        QCOMPARE(run(*m_c, {"XPENDING", "jobs", "g"}).at(0).integer(), 1);
    }

    // The server dies between the preview (pending list loaded) and the action: every repair
    // reports the connection error, never success or "trimmed or deleted".
    void repairsOnALostConnectionReportTheError() {
        LocalRedisServer doomed;
        STREAMSCOPE_START_REDIS(doomed);
        auto c = connectTo(doomed.settings());
        addEntries(*c, "q", 0, 3);
        run(*c, {"XGROUP", "CREATE", "q", "g", "0"});
        run(*c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "q", ">"});
        const QByteArray id = run(*c, {"XRANGE", "q", "-", "+"}).at(0).at(0).bytes();
        GroupActions actions(doomed.settings());
        GroupActionsWorker *w = actions.worker();
        QSignalSpy page(w, &GroupActionsWorker::pendingPage);
        QMetaObject::invokeMethod(w, [w] { w->fetchPendingPage(1, "q", "g", "-", 10, 0, {}); });
        QTRY_COMPARE(page.size(), 1);
        QCOMPARE(page.first().at(1).value<PendingEntryList>().size(), 3);
        doomed.kill();

        QSignalSpy done(w, &GroupActionsWorker::actionFinished);
        QSignalSpy entry(w, &GroupActionsWorker::entry);
        TrimSpec spec;
        spec.maxLen = 1;
        QMetaObject::invokeMethod(w, [w, id] { w->ack("q", "g", {id}); });
        QMetaObject::invokeMethod(w, [w, id] { w->claim("q", "g", "c2", {id}); });
        QMetaObject::invokeMethod(w, [w, id] { w->deleteEntries("q", {id}); });
        QMetaObject::invokeMethod(w, [w, spec] { w->trim("q", spec); });
        QMetaObject::invokeMethod(w, [w, id] { w->deadLetter("q", "g", {id}); });
        QMetaObject::invokeMethod(w, [w, id] { w->fetchEntry("q", id); });
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 5, 30000);
        for (const QList<QVariant> &result : done) {
            const QString message = result.at(1).toString();
            QVERIFY2(!result.at(0).toBool(), qPrintable(message));
            QVERIFY2(!message.isEmpty(), "no error text");
            QVERIFY2(!message.contains(QLatin1String("trimmed or deleted")), qPrintable(message));
            // "connection to 127.0.0.1:PORT lost" or "could not connect to 127.0.0.1:PORT"
            QVERIFY2(message.contains(QString::number(doomed.port())), qPrintable(message));
        }
        QTRY_COMPARE_WITH_TIMEOUT(entry.size(), 1, 10000);
        QVERIFY(!entry.first().at(3).toString().isEmpty()); // an error, not "the entry is gone"
    }

    void windowShowsGroupsAndFindings() {
        addEntries(*m_c, "orders", 0, 5);
        run(*m_c, {"XGROUP", "CREATE", "orders", "idle-group", "0"}); // no consumers: critical
        MainWindow window;
        window.connectTo(m_server.settings());
        window.show();
        QTRY_COMPARE_WITH_TIMEOUT(window.groupsPanel()->groupsModel()->rowCount(), 1, 10000);
        QTRY_VERIFY(window.findingsModel()->rowCount() >= 1);
        QCOMPARE(window.findingsModel()->index(0, FindingsModel::KindColumn).data().toString(),
                 QStringLiteral("no-consumers"));
        QVERIFY(window.showTab(QStringLiteral("findings")));
        QVERIFY(window.tabs()
                    ->tabText(window.tabs()->currentIndex())
                    .contains(QLatin1String("Findings (")));
        window.setReadOnly(true);
        QVERIFY(window.windowTitle().contains(QLatin1String("read-only")));
        QTRY_COMPARE_WITH_TIMEOUT(window.groupsPanel()->groupsModel()->rowCount(), 1, 10000);
        QVERIFY(window.showTab(QStringLiteral("groups")));
        QVERIFY(!window.grab().isNull());
    }

    // Every poll failure reaches the view it affects with the server's message: a user without
    // XINFO rights sees why the Groups tab is empty, not a silently frozen one.
    void pollRefusedByAclShowsInGroupsTab() {
        addEntries(*m_c, "orders", 0, 5);
        run(*m_c, {"XGROUP", "CREATE", "orders", "g", "0"});
        run(*m_c, {"ACL", "SETUSER", "noxinfo", "on", ">pw", "~*", "&*", "+@all", "-xinfo"});
        ConnectionSettings settings = m_server.settings();
        settings.user = QStringLiteral("noxinfo");
        settings.password = QStringLiteral("pw");
        MainWindow window;
        window.connectTo(settings);
        window.show();
        window.showTab(QStringLiteral("groups"));
        QTRY_VERIFY_WITH_TIMEOUT(
            window.groupsPanel()->pollError().contains(QLatin1String("NOPERM")), 10000);
        QVERIFY(window.groupsPanel()->pollError().contains(QLatin1String("XINFO")));
        // The stream list says why its details are missing, too.
        QTRY_VERIFY(window.streamErrorLabel()->text().contains(QLatin1String("NOPERM")));
        run(*m_c, {"ACL", "DELUSER", "noxinfo"});
    }

    // A pending list the server refuses (no +xpending) says so once; it is not asked for again
    // and again (it was: each refusal counted as a finished action, which reloads the list,
    // about 10,000 refused XPENDING a second).
    void pendingRefusedByAclIsSaidNotRetried() {
        addEntries(*m_c, "refused", 0, 4);
        run(*m_c, {"XGROUP", "CREATE", "refused", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "refused", ">"});
        run(*m_c, {"ACL", "SETUSER", "noxpending", "on", ">pw", "~*", "&*", "+@all"});
        ConnectionSettings settings = m_server.settings();
        settings.user = QStringLiteral("noxpending");
        settings.password = QStringLiteral("pw");
        MainWindow window;
        window.connectTo(settings);
        window.show();
        window.showTab(QStringLiteral("groups"));
        QTRY_COMPARE_WITH_TIMEOUT(window.groupsPanel()->groupsModel()->rowCount(), 1, 10000);
        // The right is taken away while the group is on screen (ACL changes apply at once).
        run(*m_c, {"ACL", "SETUSER", "noxpending", "-xpending"});
        const qint64 before = rejectedCalls("xpending");
        window.groupsPanel()->selectGroup("refused", "g");
        window.refresh(); // F5: the pending list is read again
        QTRY_VERIFY_WITH_TIMEOUT(
            window.groupsPanel()->pendingNote().contains(QLatin1String("NOPERM")), 5000);
        QTest::qWait(2000);
        const qint64 refused = rejectedCalls("xpending") - before;
        std::printf("refused XPENDING in the 2 s after selecting the group: %lld\n",
                    static_cast<long long>(refused));
        QVERIFY2(refused < 20, qPrintable(QString::number(refused)));
        run(*m_c, {"ACL", "DELUSER", "noxpending"});
    }

    // No silent cap: every watched stream's groups are polled (main polled the first 100).
    void everyStreamsGroupsArePolled() {
        QList<Command> setup;
        for (int i = 0; i < 150; ++i) {
            const QByteArray key = "s" + QByteArray::number(i).rightJustified(3, '0');
            setup.append({"XADD", key, "*", "f", "v"});
            setup.append({"XGROUP", "CREATE", key, "g", "0"});
        }
        QVERIFY(m_c->pipeline(setup).ok());
        MainWindow window;
        window.connectTo(m_server.settings());
        QTRY_COMPARE_WITH_TIMEOUT(window.groupsPanel()->groupsModel()->rowCount(), 150, 10000);
    }

    // Quiet streams are polled less often, but a consumer that stops is still reported dead
    // within the idle threshold plus 10 s.
    void deadConsumerOnAQuietStreamIsReportedInTime() {
        addEntries(*m_c, "quiet", 0, 3);
        run(*m_c, {"XGROUP", "CREATE", "quiet", "g", "0"});
        MainWindow window;
        HealthOptions health;
        health.idleThresholdMs = 3000;
        health.windowSeconds = 0;
        window.setHealthOptions(health);
        window.connectTo(m_server.settings());
        QTRY_COMPARE_WITH_TIMEOUT(window.groupsPanel()->groupsModel()->rowCount(), 1, 10000);
        QTest::qWait(6000); // long enough for the stream to count as quiet
        run(*m_c, {"XREADGROUP", "GROUP", "g", "worker", "COUNT", "1", "STREAMS", "quiet", ">"});
        QElapsedTimer clock;
        clock.start();
        auto hasDead = [&] {
            for (int row = 0; row < window.findingsModel()->rowCount(); ++row)
                if (window.findingsModel()->finding(row).kind == QLatin1String("dead-consumer"))
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(hasDead(), 20000);
        std::printf("dead consumer reported %lld ms after its last read (threshold 3000 ms)\n",
                    static_cast<long long>(clock.elapsed()));
        QVERIFY(clock.elapsed() <= 3000 + 10000);
    }

    // At rest the poller sends nothing that returns entry bodies: no XINFO STREAM (main: every
    // 2 s for the list, every second for the groups), and the first undelivered entry (for the
    // time lag, an XRANGE) is asked once per last-delivered-id, not every poll.
    void pollerAtRestFetchesNoEntryBodies() {
        addEntries(*m_c, "s", 0, 10);
        run(*m_c, {"XGROUP", "CREATE", "s", "g", "0"}); // 10 undelivered: a time lag to show
        QTest::qWait(5); // a poll in the entries' own millisecond would see an age of 0 ms
        PollerController poller(m_server.settings(), ServerPoller::Options());
        GroupSnapshot last;
        QObject context;
        QObject::connect(poller.poller(), &ServerPoller::groupSnapshot, &context,
                         [&](const GroupSnapshot &snap) { last = snap; });
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(!last.streams.isEmpty(), 10000);
        QVERIFY(last.streams.first().groups.first().timeLagMs > 0);
        const qint64 info = commandCalls(*m_c, "xinfo|stream");
        const qint64 range = commandCalls(*m_c, "xrange");
        QTest::qWait(5000); // several polls, nothing changes
        QCOMPARE(commandCalls(*m_c, "xinfo|stream") - info, 0);
        QCOMPARE(commandCalls(*m_c, "xrange") - range, 0);
        QVERIFY(last.streams.first().groups.first().timeLagMs > 0); // still shown, from cache
    }

private:
    LocalRedisServer m_server;
    std::unique_ptr<RedisConnection> m_c;
};

QTEST_MAIN(TestGroupsPanel)
#include "tst_groupspanel.moc"
