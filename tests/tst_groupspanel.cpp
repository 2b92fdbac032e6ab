// The consumer-group views against a real server: models under QAbstractItemModelTester fed by
// GroupPoller, the paged pending explorer, actions through GroupActions, read-only mode.
#include "Confirm.h"
#include "EntryDetailView.h"
#include "GroupActions.h"
#include "GroupModels.h"
#include "GroupPoller.h"
#include "GroupsPanel.h"
#include "MainWindow.h"
#include "Palette.h"
#include "ServerPoller.h"
#include "TestRedis.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDateTime>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineSeries>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
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

    QPushButton *button(QWidget &panel, const QString &text) {
        for (QPushButton *b : panel.findChildren<QPushButton *>())
            if (b->text() == text)
                return b;
        QTest::qFail(qPrintable(QStringLiteral("no button ") + text), __FILE__, __LINE__);
        return nullptr;
    }
    QStringList pendingIds(GroupsPanel &panel) {
        QStringList ids;
        for (const PendingRow &p : panel.pendingModel()->rows())
            ids << p.id.toString();
        return ids;
    }
    QStringList selectedIds(GroupsPanel &panel) {
        QStringList ids;
        for (const QModelIndex &row : panel.pendingView()->selectionModel()->selectedRows())
            ids << row.siblingAtColumn(PendingModel::IdColumn).data().toString();
        return ids;
    }
    // Selects the entry with this ID alone (the view sorts as the user chose, so not by row).
    void selectPending(GroupsPanel &panel, const QByteArray &id) {
        QAbstractItemModel *m = panel.pendingView()->model();
        for (int row = 0; row < m->rowCount(); ++row)
            if (m->index(row, PendingModel::IdColumn).data().toString() == QString::fromLatin1(id))
                return panel.pendingView()->selectRow(row);
        QTest::qFail(qPrintable("no pending entry " + id), __FILE__, __LINE__);
    }
    QString groupRowPending(GroupsPanel &panel, const QByteArray &group) {
        GroupsModel *m = panel.groupsModel();
        for (int row = 0; row < m->rowCount(); ++row)
            if (m->index(row, GroupsModel::GroupColumn).data().toString()
                == QString::fromUtf8(group))
                return m->index(row, GroupsModel::PendingColumn).data().toString();
        return {};
    }
    QList<QByteArray> streamIds(const QByteArray &stream) {
        QList<QByteArray> ids;
        const RedisReply all = run(*m_c, {"XRANGE", stream, "-", "+"});
        for (size_t i = 0; i < all.size(); ++i)
            ids << all.at(i).at(0).bytes();
        return ids;
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

    // The service map's double-click on a consumer: its group, then its row among the consumers.
    void selectConsumerSelectsItsRow() {
        addEntries(*m_c, "orders", 0, 5);
        run(*m_c, {"XGROUP", "CREATE", "orders", "payments", "0"});
        for (const char *consumer : {"alpha", "beta", "gamma"})
            run(*m_c, {"XREADGROUP", "GROUP", "payments", consumer, "COUNT", "1", "STREAMS",
                       "orders", ">"});
        GroupsPanel panel;
        panel.showSnapshot(poll({"orders"}));
        panel.selectConsumer("orders", "payments", "beta");
        QCOMPARE(panel.selectedGroupKey(), groupKey("orders", "payments"));
        auto *view = panel.findChild<QTableView *>(QStringLiteral("consumers"));
        QVERIFY(view);
        const QModelIndexList rows = view->selectionModel()->selectedRows();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().data().toString(), QStringLiteral("beta"));
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
                != QLatin1String("0 ms"));

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

    // A consumer reads entries and "crashes" (never acknowledges): on the next snapshot the
    // list shows what the group row counts (main: the row said 3, the list 0). Entries
    // acknowledged by another client leave the list and the details pane; a selected entry
    // still pending stays selected; after recovery nothing stale remains.
    void pendingListFollowsACrashAndARecovery() {
        addEntries(*m_c, "orders", 0, 6);
        run(*m_c, {"XGROUP", "CREATE", "orders", "payments", "0"});
        GroupActions actions(m_server.settings());
        GroupsPanel panel;
        QAbstractItemModelTester tester(panel.pendingModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        panel.setActions(&actions, false);
        panel.resize(1000, 700);
        panel.show();
        panel.showSnapshot(poll({"orders"}, 60000));
        QCOMPARE(panel.selectedGroupKey(), groupKey("orders", "payments"));
        QTest::qWait(300);
        QCOMPARE(panel.pendingModel()->rowCount(), 0);

        run(*m_c, {"XREADGROUP", "GROUP", "payments", "payments-1", "COUNT", "3", "STREAMS",
                   "orders", ">"}); // ... and it dies
        panel.showSnapshot(poll({"orders"}, 60000));
        QCOMPARE(groupRowPending(panel, "payments"), QStringLiteral("3"));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 3); // the list agrees with the row
        const QList<QByteArray> ids = streamIds("orders");
        QCOMPARE(pendingIds(panel),
                 QStringList({QString::fromLatin1(ids.at(0)), QString::fromLatin1(ids.at(1)),
                              QString::fromLatin1(ids.at(2))}));
        QVERIFY(panel.pendingNote().contains(QLatin1String("3 pending entries")));

        // The second entry in the details pane; the first acknowledged elsewhere.
        selectPending(panel, ids.at(1));
        QTRY_VERIFY(panel.pendingDetail()->toPlainText().contains(QString::fromLatin1(ids.at(1))));
        run(*m_c, {"XACK", "orders", "payments", ids.at(0)});
        panel.showSnapshot(poll({"orders"}, 60000));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 2);
        QCOMPARE(groupRowPending(panel, "payments"), QStringLiteral("2"));
        QCOMPARE(selectedIds(panel), QStringList{QString::fromLatin1(ids.at(1))}); // kept
        QVERIFY(panel.pendingDetail()->toPlainText().contains(QString::fromLatin1(ids.at(1))));

        // The entry shown is acknowledged: it leaves the list and the details pane.
        run(*m_c, {"XACK", "orders", "payments", ids.at(1)});
        panel.showSnapshot(poll({"orders"}, 60000));
        QTRY_COMPARE(pendingIds(panel), QStringList{QString::fromLatin1(ids.at(2))});
        QVERIFY(selectedIds(panel).isEmpty());
        const QString detail = panel.pendingDetail()->toPlainText();
        QVERIFY2(detail.contains(QLatin1String("left the pending list")), qPrintable(detail));
        QVERIFY2(!detail.contains(QLatin1String("payload")), qPrintable(detail));

        // Recovery: a consumer takes the rest over and acknowledges; nothing stale stays.
        run(*m_c, {"XCLAIM", "orders", "payments", "payments-2", "0", ids.at(2)});
        panel.showSnapshot(poll({"orders"}, 60000));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 1);
        QTRY_COMPARE(panel.pendingModel()->entry(0).consumer, QByteArray("payments-2"));
        // The consumer that appeared is offered as a filter and a claim target.
        auto *filter = panel.findChildren<QComboBox *>().first();
        QCOMPARE(filter->findText(QStringLiteral("payments-2")), 2);
        QVERIFY(panel.findChildren<QComboBox *>().last()->findText(QStringLiteral("payments-2"))
                >= 0);
        run(*m_c, {"XACK", "orders", "payments", ids.at(2)});
        panel.showSnapshot(poll({"orders"}, 60000));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 0);
        QCOMPARE(groupRowPending(panel, "payments"), QStringLiteral("0"));
    }

    // The idle time goes on between reads (computed from when the page was read, no command
    // sent for it); F5 reads the list again at once.
    void idleTicksAndF5Reloads() {
        addEntries(*m_c, "tick", 0, 3);
        run(*m_c, {"XGROUP", "CREATE", "tick", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "tick", ">"});
        GroupActions actions(m_server.settings());
        GroupsPanel panel;
        panel.setActions(&actions, false);
        panel.showSnapshot(poll({"tick"}, 60000));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 1);
        PendingModel *model = panel.pendingModel();
        const QModelIndex idle = model->index(0, PendingModel::IdleColumn);
        const qint64 first = model->idleNow(0);
        const QString shown = idle.data().toString();
        QSignalSpy changed(model, &QAbstractItemModel::dataChanged);
        const qint64 xpending = commandCalls(*m_c, "xpending");
        QTest::qWait(2200);
        QVERIFY(model->idleNow(0) >= first + 2000);
        QVERIFY2(idle.data().toString() != shown, qPrintable(shown));
        QVERIFY(!changed.isEmpty()); // the view is told each second
        QCOMPARE(commandCalls(*m_c, "xpending") - xpending, 0);

        // F5: read again without waiting for a poll.
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c2", "COUNT", "2", "STREAMS", "tick", ">"});
        panel.reloadPending();
        QTRY_COMPARE(model->rowCount(), 3);
        QCOMPARE(model->entry(2).consumer, QByteArray("c2"));
    }

    // Gently: the page shown is read again from its first ID, one request out at most (a
    // refresh while one is out is skipped, not queued).
    void refreshReadsThePageShownOneAtATime() {
        PendingModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy wanted(&model, &PendingModel::pageWanted);
        model.reset("s", "g", {}, 0);
        QCOMPARE(wanted.count(), 1);
        QVERIFY(!model.refresh()); // the first page is still out
        QCOMPARE(wanted.count(), 1);
        auto page = [](quint64 from, int n) {
            PendingEntryList out;
            for (int i = 0; i < n; ++i)
                out.append({StreamId{from + quint64(i), 0}, "c1", 10, 1});
            return out;
        };
        QVERIFY(model.addPage(wanted.last().at(0).toInt(), page(1000, PendingModel::pageSize)));
        model.fetchMore({});
        QCOMPARE(wanted.count(), 2);
        QCOMPARE(wanted.last().at(3).toByteArray(), QByteArray("(1199-0"));
        QVERIFY(model.addPage(wanted.last().at(0).toInt(), page(1200, 50)));
        QCOMPARE(model.rowCount(), 250);

        // The view shows row 230: the second page is read again, from its first ID.
        QVERIFY(model.refresh(230));
        QCOMPARE(wanted.count(), 3);
        QCOMPARE(wanted.last().at(3).toByteArray(), QByteArray("1200-0"));
        QCOMPARE(wanted.last().at(4).toInt(), PendingModel::pageSize);
        QVERIFY(!model.refresh(230)); // skipped: the previous is still out
        QCOMPARE(wanted.count(), 3);
        // Its answer: 1210..1219 went away, 1260 came; rows before the page are untouched.
        PendingEntryList again = page(1200, 10);
        again.append(page(1220, 30));
        again.append({StreamId{1260, 0}, "c2", 0, 1});
        QVERIFY(model.addPage(wanted.last().at(0).toInt(), again));
        QCOMPARE(model.rowCount(), 200 + 41);
        QCOMPARE(model.entry(209).id, (StreamId{1209, 0}));
        QCOMPARE(model.entry(210).id, (StreamId{1220, 0}));
        QCOMPARE(model.entry(240).consumer, QByteArray("c2"));
        QVERIFY(model.atEnd());
        // An answer for an older request changes nothing; an error changes no row.
        QVERIFY(!model.addPage(1, {}));
        QVERIFY(model.refresh(0));
        QCOMPARE(wanted.last().at(3).toByteArray(), QByteArray("-"));
        QVERIFY(model.addPage(wanted.last().at(0).toInt(), {}, QStringLiteral("LOADING")));
        QCOMPARE(model.rowCount(), 241);
        QVERIFY(!model.isLoading());
    }

    // Acknowledge / claim of entries no longer pending: the result says how many and why, from
    // what the server says (main: "Acknowledged 0 of 1 entries." and nothing more).
    void partialResultsSayWhy() {
        addEntries(*m_c, "pay", 0, 4);
        run(*m_c, {"XGROUP", "CREATE", "pay", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "payments-1", "COUNT", "3", "STREAMS", "pay", ">"});
        const QList<QByteArray> ids = streamIds("pay");
        GroupActions actions(m_server.settings());
        GroupsPanel panel;
        panel.setActions(&actions, false);
        panel.confirm = [](const QString &) { return true; };
        panel.showSnapshot(poll({"pay"}, 60000));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 3);
        QSignalSpy said(&panel, &GroupsPanel::actionMessage);

        run(*m_c, {"XACK", "pay", "g", ids.at(0)}); // meanwhile, elsewhere
        selectPending(panel, ids.at(0));
        button(panel, QStringLiteral("Acknowledge"))->click();
        QTRY_COMPARE(said.size(), 1);
        QString message = said.last().at(0).toString();
        std::printf("%s\n", qPrintable(message));
        QVERIFY2(message.startsWith(QLatin1String("Acknowledged 0 of 1 entry: 1 was no longer "
                                                  "pending (acknowledged meanwhile")),
                 qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("last delivered to payments-1 ")),
                 qPrintable(message));
        // "... 10 ms ago)." or "... 12 s ago).": how long ago, in the shared duration words.
        QVERIFY2(QRegularExpression(QStringLiteral(" [0-9.]+ (ms|s) ago\\)\\.$"))
                     .match(message)
                     .hasMatch(),
                 qPrintable(message));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 2); // read again after the action

        // Claim: one entry acknowledged meanwhile, one deleted from the stream (the server drops
        // it from the pending list), one claimed.
        run(*m_c, {"XACK", "pay", "g", ids.at(1)});
        run(*m_c, {"XDEL", "pay", ids.at(2)});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "payments-1", "COUNT", "1", "STREAMS", "pay", ">"});
        panel.reloadPending();
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 2);
        run(*m_c, {"XACK", "pay", "g", ids.at(1)});
        panel.pendingView()->selectAll();
        QCOMPARE(selectedIds(panel).size(), 2);
        auto *target = panel.findChildren<QComboBox *>().last();
        target->setEditText(QStringLiteral("payments-2"));
        // ids[1] is not in the list any more; use ids[2] (deleted) and ids[3] (pending).
        button(panel, QStringLiteral("Claim to"))->click();
        QTRY_COMPARE(said.size(), 2);
        message = said.last().at(0).toString();
        std::printf("%s\n", qPrintable(message));
        QVERIFY2(message.startsWith(QLatin1String("Claimed 1 of 2 entries for payments-2: 1 was "
                                                  "no longer in the stream (trimmed or deleted)")),
                 qPrintable(message));
        QCOMPARE(run(*m_c, {"XPENDING", "pay", "g"}).at(0).integer(), 1);

        // The group destroyed before the action: said, not "0 of 1".
        panel.pendingView()->selectRow(0);
        run(*m_c, {"XGROUP", "DESTROY", "pay", "g"});
        button(panel, QStringLiteral("Acknowledge"))->click();
        QTRY_COMPARE(said.size(), 3);
        message = said.last().at(0).toString();
        QVERIFY2(!said.last().at(1).toBool(), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("no longer exists")), qPrintable(message));
    }

    // A group destroyed, or its stream deleted, while shown: the panel says so (main: an empty
    // list as if all were fine, or another group silently in its place).
    void goneGroupIsSaid() {
        addEntries(*m_c, "a", 0, 3);
        addEntries(*m_c, "b", 0, 3);
        run(*m_c, {"XGROUP", "CREATE", "a", "doomed", "0"});
        run(*m_c, {"XGROUP", "CREATE", "b", "other", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "doomed", "c1", "COUNT", "2", "STREAMS", "a", ">"});
        GroupActions actions(m_server.settings());
        GroupsPanel panel;
        panel.setActions(&actions, false);
        panel.showSnapshot(poll({"a", "b"}, 60000));
        panel.selectGroup("a", "doomed");
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 2);
        QVERIFY(panel.goneNote().isEmpty());

        run(*m_c, {"XGROUP", "DESTROY", "a", "doomed"});
        panel.showSnapshot(poll({"a", "b"}, 60000));
        QVERIFY2(panel.goneNote().contains(QLatin1String("doomed of a no longer exists: it was "
                                                         "destroyed")),
                 qPrintable(panel.goneNote()));
        QCOMPARE(panel.pendingNote(), panel.goneNote());
        QCOMPARE(panel.pendingModel()->rowCount(), 0);
        QCOMPARE(panel.consumersModel()->rowCount(), 0);
        QCOMPARE(panel.selectedGroupKey(), QByteArray()); // no other group in its place
        panel.showSnapshot(poll({"a", "b"}, 60000));
        QVERIFY(!panel.goneNote().isEmpty()); // it stays said

        // The user picks another group: the note goes; its stream deleted: said so.
        panel.selectGroup("b", "other");
        QVERIFY(panel.goneNote().isEmpty());
        run(*m_c, {"DEL", "b"});
        panel.showSnapshot(poll({"a", "b"}, 60000));
        // Not in the snapshot: both are possible until the server says which (TYPE). The
        // pending read may already have been refused (NOGROUP) and TYPE answered before the
        // snapshot came: then the note says which already.
        QVERIFY2(
            panel.goneNote().contains(QLatin1String("destroyed, or its stream deleted"))
                || panel.goneNote().contains(QLatin1String("its stream was deleted while shown")),
            qPrintable(panel.goneNote()));
        QTRY_VERIFY2(panel.goneNote().contains(QLatin1String("its stream was deleted while shown")),
                     qPrintable(panel.goneNote()));

        // Back (created again): shown again, the note gone.
        addEntries(*m_c, "b", 0, 1);
        run(*m_c, {"XGROUP", "CREATE", "b", "other", "0"});
        panel.showSnapshot(poll({"a", "b"}, 60000));
        QCOMPARE(panel.selectedGroupKey(), groupKey("b", "other"));
        QVERIFY(panel.goneNote().isEmpty());

        // The window's poller leaves a stream without groups out of its snapshot: the server
        // says the stream is still there, so the group was destroyed (main's first cut said
        // "stream deleted" here).
        run(*m_c, {"XGROUP", "DESTROY", "b", "other"});
        GroupSnapshot snap = poll({"a", "b"}, 60000);
        snap.streams.removeIf([](const StreamStatus &st) { return st.info.name == "b"; });
        panel.showSnapshot(snap);
        QTRY_VERIFY2(panel.goneNote().contains(QLatin1String("destroyed (XGROUP DESTROY) while "
                                                             "shown; the stream is still there")),
                     qPrintable(panel.goneNote()));

        // The pending read is refused (NOGROUP) before any poll notices: the server is asked
        // which went away all the same (CI once saw only "destroyed, or its stream deleted").
        addEntries(*m_c, "c", 0, 1);
        run(*m_c, {"XGROUP", "CREATE", "c", "third", "0"});
        panel.showSnapshot(poll({"a", "b", "c"}, 60000));
        panel.selectGroup("c", "third");
        QVERIFY(panel.goneNote().isEmpty());
        run(*m_c, {"DEL", "c"});
        panel.reloadPending(); // F5, no poll in between
        QTRY_VERIFY2(panel.goneNote().contains(QLatin1String("its stream was deleted while shown")),
                     qPrintable(panel.goneNote()));
    }

    // Read-only toggled in place: the write actions follow, the list is not read again and the
    // selection stays (main: only when the panel was rebuilt on a reconnect).
    void setReadOnlyInPlace() {
        addEntries(*m_c, "ro2", 0, 3);
        run(*m_c, {"XGROUP", "CREATE", "ro2", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "ro2", ">"});
        GroupActions actions(m_server.settings());
        GroupsPanel panel;
        panel.setActions(&actions, false);
        panel.showSnapshot(poll({"ro2"}, 60000));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 3);
        panel.pendingView()->selectRow(1);
        QSignalSpy wanted(panel.pendingModel(), &PendingModel::pageWanted);
        QSignalSpy reset(panel.pendingModel(), &QAbstractItemModel::modelReset);
        QPushButton *ack = button(panel, QStringLiteral("Acknowledge"));
        QVERIFY(ack->isEnabled());
        panel.setReadOnly(true);
        QVERIFY(panel.isReadOnly());
        QVERIFY(!ack->isEnabled());
        QVERIFY(ack->toolTip().contains(QLatin1String("Read-only")));
        QVERIFY(!button(panel, QStringLiteral("Claim to"))->isEnabled());
        QVERIFY(!button(panel, QStringLiteral("Move to dead letters..."))->isEnabled());
        panel.setReadOnly(false);
        QVERIFY(ack->isEnabled());
        QCOMPARE(wanted.count(), 0);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(panel.pendingModel()->rowCount(), 3);
        QCOMPARE(selectedIds(panel).size(), 1);
    }

    // Not current: the figures are greyed, idle times stop, a note says since when and why;
    // current again: back to normal.
    void freshnessGreysTheFigures() {
        addEntries(*m_c, "fresh", 0, 2);
        run(*m_c, {"XGROUP", "CREATE", "fresh", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "fresh", ">"});
        GroupActions actions(m_server.settings());
        GroupsPanel panel;
        panel.setActions(&actions, false);
        panel.showSnapshot(poll({"fresh"}, 60000));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 1);
        const QColor muted = toneColour(Tone::Muted);
        const QModelIndex status = panel.groupsModel()->index(0, GroupsModel::StatusColumn);
        const QModelIndex pending = panel.groupsModel()->index(0, GroupsModel::PendingColumn);
        const QModelIndex idle = panel.pendingModel()->index(0, PendingModel::IdleColumn);
        QVERIFY(status.data(Qt::ForegroundRole).value<QColor>() != muted);
        QVERIFY(panel.freshnessNote().isEmpty());

        Freshness stale;
        stale.state = Freshness::State::Stale;
        stale.lastUpdatedMs = QDateTime::currentMSecsSinceEpoch() - 5000;
        stale.reason = QStringLiteral("the server does not answer");
        panel.setFreshness(stale);
        QCOMPARE(status.data(Qt::ForegroundRole).value<QColor>(), muted);
        QCOMPARE(pending.data(Qt::ForegroundRole).value<QColor>(), muted);
        QCOMPARE(idle.data(Qt::ForegroundRole).value<QColor>(), muted);
        QCOMPARE(panel.consumersModel()->index(0, 0).data(Qt::ForegroundRole).value<QColor>(),
                 muted);
        const QString note = panel.freshnessNote();
        QVERIFY2(
            note.contains(QStringLiteral("last updated %1").arg(formatClock(stale.lastUpdatedMs))),
            qPrintable(note));
        QVERIFY2(note.contains(stale.reason), qPrintable(note));
        const QString frozen = idle.data().toString();
        QTest::qWait(1300);
        QCOMPARE(idle.data().toString(), frozen); // as of the last read, not ticking on

        panel.setFreshness({Freshness::State::Current, QDateTime::currentMSecsSinceEpoch(), {}});
        QVERIFY(panel.freshnessNote().isEmpty());
        QCOMPARE(status.data(Qt::ForegroundRole).value<QColor>(),
                 severityColor(panel.groupsModel()->severity(groupKey("fresh", "g"))));
        QVERIFY(idle.data(Qt::ForegroundRole).value<QColor>() != muted);
    }

    // Filtered by the streams selected on the left: the tab says so and offers "Show all".
    void streamFilterSaysSoAndOffersShowAll() {
        GroupsPanel panel;
        QSignalSpy showAll(&panel, &GroupsPanel::showAllRequested);
        QVERIFY(panel.streamFilterNote().isEmpty());
        panel.setStreamFilter({"a", "b"});
        QCOMPARE(panel.streamFilterNote(), QStringLiteral("Showing groups of 2 selected streams"));
        auto *bar = panel.findChild<QPushButton *>(QStringLiteral("groupsShowAll"));
        QVERIFY(bar && bar->isVisibleTo(&panel));
        bar->click();
        QCOMPARE(showAll.count(), 1);
        panel.setStreamFilter({"a"});
        QCOMPARE(panel.streamFilterNote(), QStringLiteral("Showing groups of 1 selected stream"));
        panel.setStreamFilter({});
        QVERIFY(panel.streamFilterNote().isEmpty());
        QVERIFY(!bar->isVisibleTo(&panel));
    }

    // One confirmation for repairs, with buttons named for the action (not Yes/No).
    void confirmationsNameTheAction() {
        addEntries(*m_c, "named", 0, 2);
        run(*m_c, {"XGROUP", "CREATE", "named", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "named", ">"});
        GroupActions actions(m_server.settings());
        GroupsPanel panel;
        panel.setActions(&actions, false);
        panel.showSnapshot(poll({"named"}, 60000));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 2);
        QList<ConfirmRequest> asked;
        const ConfirmHook previous = setConfirmHookForTests([&](const ConfirmRequest &r) {
            asked << r;
            return false;
        });
        panel.pendingView()->selectAll();
        button(panel, QStringLiteral("Acknowledge"))->click();
        button(panel, QStringLiteral("Claim to"))->click();
        setConfirmHookForTests(previous);
        QCOMPARE(asked.size(), 2);
        QCOMPARE(asked.at(0).actionLabel, QStringLiteral("Acknowledge 2 entries"));
        QCOMPARE(asked.at(0).text, QStringLiteral("Acknowledge 2 entries of group g on named?"));
        QVERIFY(asked.at(0).destructive);
        QCOMPARE(asked.at(1).actionLabel, QStringLiteral("Give 2 entries to c1"));
        QCOMPARE(run(*m_c, {"XPENDING", "named", "g"}).at(0).integer(), 2); // declined

        std::unique_ptr<QMessageBox> box(makeConfirmBox(
            nullptr, asked.at(0).title, asked.at(0).text, asked.at(0).actionLabel, true));
        QStringList names;
        for (QAbstractButton *b : box->buttons())
            names << b->text().remove(QLatin1Char('&'));
        names.sort();
        QCOMPARE(names, QStringList({"Acknowledge 2 entries", "Cancel"}));
        QCOMPARE(box->defaultButton()->text().remove(QLatin1Char('&')), QStringLiteral("Cancel"));
    }

    // A refused read of the list stays said across polls (each asks once more), not replaced
    // by a count as if the list were read; once allowed again, the next poll reads it.
    void pendingReadRefusedStaysSaidUntilRead() {
        addEntries(*m_c, "nox", 0, 3);
        run(*m_c, {"XGROUP", "CREATE", "nox", "g", "0"});
        run(*m_c, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "nox", ">"});
        run(*m_c, {"ACL", "SETUSER", "noxp", "on", ">pw", "~*", "&*", "+@all", "-xpending"});
        ConnectionSettings limited = m_server.settings();
        limited.user = QStringLiteral("noxp");
        limited.password = QStringLiteral("pw");
        GroupActions actions(limited);
        GroupsPanel panel;
        panel.setActions(&actions, false);
        panel.showSnapshot(poll({"nox"}, 60000));
        QTRY_VERIFY(panel.pendingNote().contains(QLatin1String("NOPERM")));
        panel.showSnapshot(poll({"nox"}, 60000));
        QVERIFY2(panel.pendingNote().contains(QLatin1String("NOPERM")),
                 qPrintable(panel.pendingNote()));
        QCOMPARE(panel.pendingModel()->rowCount(), 0);

        run(*m_c, {"ACL", "SETUSER", "noxp", "+xpending"});
        panel.showSnapshot(poll({"nox"}, 60000));
        QTRY_COMPARE(panel.pendingModel()->rowCount(), 2);
        panel.showSnapshot(poll({"nox"}, 60000));
        QVERIFY2(panel.pendingNote().startsWith(QLatin1String("2 pending entries in the group")),
                 qPrintable(panel.pendingNote()));
        run(*m_c, {"ACL", "DELUSER", "noxp"});
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
            if (b->text() == QLatin1String("Move to dead letters..."))
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
