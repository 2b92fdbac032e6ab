// The window on a real 3-primary, 3-replica Redis Cluster (LocalRedisCluster, started once for
// the executable), offscreen: the stream list of every shard with its node, groups and pending
// of a stream on a node that is not the one in the URL, browsing, the actions and dialogs, the
// topology view and the status bar; then a node that stops answering.

#include "ClusterClient.h"
#include "ClusterSlots.h"
#include "ExportDialog.h"
#include "GroupActions.h"
#include "GroupModels.h"
#include "GroupsPanel.h"
#include "LiveEventModel.h"
#include "LocalRedisCluster.h"
#include "MainWindow.h"
#include "PublishView.h"
#include "RedisConnection.h"
#include "Session.h"
#include "StreamBrowser.h"
#include "StreamBrowserModel.h"
#include "StreamListModel.h"
#include "StreamListPane.h"
#include "TestCluster.h"
#include "TopologyView.h"
#include "TrimDialog.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace streamscope;

namespace {

using test::keyOn;

RedisReply run(RedisClient &client, const Command &command) {
    auto reply = client.command(command);
    if (!reply.ok()) {
        QTest::qFail(qPrintable(reply.error().message), __FILE__, __LINE__);
        return {};
    }
    return reply.value();
}

TopologyNode node(const QString &endpoint, const QString &id, bool primary,
                  const QString &primaryId, QList<QPair<int, int>> slots,
                  const QString &state = QStringLiteral("ok"), double commands = 0,
                  double bytes = 0) {
    TopologyNode t;
    t.node.endpoint = endpoint;
    t.node.id = id;
    t.node.primary = primary;
    t.node.primaryId = primaryId;
    t.node.slotRanges = std::move(slots);
    t.node.reachable = state == QLatin1String("ok");
    t.state = state;
    t.ownCommandsPerSecond = commands;
    t.ownBytesPerSecond = bytes;
    return t;
}

// Column values of the rows of a model, as shown.
QStringList column(const QAbstractItemModel *model, int column) {
    QStringList out;
    for (int row = 0; row < model->rowCount(); ++row)
        out << model->index(row, column).data().toString();
    return out;
}

} // namespace

class TestClusterGui : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    // Without a cluster: the model fed a snapshot directly.
    void topologyModelShowsASnapshot();
    void deploymentAndMissingTexts();

    void listsStreamsOfEveryShardWithTheirNode();
    void topologyViewShowsEveryNode();
    void statusBarSaysCluster();
    void groupsAndPendingOfAStreamOnAnotherNode();
    void browsePagesAStreamOnAnotherNode();
    void actionsRouteByKey();
    void failoverIsSaid();
    void trimDialogOnAnotherNode();
    void publishAndExportOnAnotherNode();
    void pagedListCoversEveryShard();
    // Last: kills a primary.
    void missingNodeIsSaid();

private:
    std::unique_ptr<LocalRedisCluster> m_cluster;
    std::unique_ptr<ClusterClient> m_admin;
    QHash<QString, QByteArray> m_streamOn; // primary endpoint -> a stream there
    QString m_seed;                        // the node in the URL
    QString m_remote;                      // a primary that is not the seed
    QByteArray m_remoteStream;
    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_dir;
};

void TestClusterGui::initTestCase() {
    registerCoreMetaTypes();
    m_cluster = std::make_unique<LocalRedisCluster>();
    QElapsedTimer clock;
    clock.start();
    const Error e = m_cluster->start();
    QVERIFY2(!e, qPrintable(QStringLiteral("cannot start the test cluster: ") + e.message));
    qInfo("cluster of %d nodes up in %lld ms", m_cluster->size(), clock.elapsed());
    m_admin = std::make_unique<ClusterClient>(m_cluster->settings(0));
    const Error opened = m_admin->open();
    QVERIFY2(!opened, qPrintable(opened.message));
    m_seed = m_cluster->settings(0).endpoint();
    const QStringList primaries = m_admin->primaries();
    QCOMPARE(primaries.size(), 3);
    QVERIFY(primaries.contains(m_seed));
    for (const QString &p : primaries) {
        const QByteArray stream = keyOn(*m_admin, p, "gui");
        QVERIFY(!stream.isEmpty());
        m_streamOn.insert(p, stream);
        run(*m_admin, {"XADD", stream, "*", "type", "seed"});
        if (p != m_seed && m_remote.isEmpty())
            m_remote = p;
    }
    m_remoteStream = m_streamOn.value(m_remote);
    // Two pages of history for the browser, and a group with pending entries.
    QList<Command> adds;
    for (int i = 0; i < 700; ++i)
        adds.append({"XADD", m_remoteStream, "*", "orderId", QByteArray::number(1000 + i)});
    QVERIFY(m_admin->pipeline(adds).ok());
    run(*m_admin, {"XGROUP", "CREATE", m_remoteStream, "g", "0"});
    run(*m_admin,
        {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "10", "STREAMS", m_remoteStream, ">"});

    m_window = std::make_unique<MainWindow>();
    m_window->connectTo(m_cluster->settings(0));
    m_window->show();
    QVERIFY(m_dir.isValid());
}

void TestClusterGui::cleanupTestCase() {
    m_window.reset();
    m_admin.reset();
    m_cluster.reset();
}

void TestClusterGui::topologyModelShowsASnapshot() {
    TopologyModel model;
    QAbstractItemModelTester tester(&model);
    TopologySnapshot snap;
    snap.topology = RedisClient::Topology::Cluster;
    snap.atMs = 1700000000000;
    snap.nodes = {
        node("127.0.0.1:30001", "a1", true, {}, {{0, 5460}}, "ok", 12.5, 2048),
        node("127.0.0.1:30002", "b2", true, {}, {{5461, 10922}}, "unreachable: Connection refused"),
        node("127.0.0.1:30003", "c3", true, {}, {{10923, 16383}}, "ok", 3, 100),
        node("127.0.0.1:30004", "d4", false, "a1", {}),
        node("127.0.0.1:30005", "e5", false, "b2", {}),
        node("127.0.0.1:30006", "f6", false, "c3", {})};
    model.setSnapshot(snap);
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(snap.primaryCount(), 3);
    auto cell = [&](int row, int col) { return model.index(row, col).data().toString(); };
    QCOMPARE(cell(0, TopologyModel::RoleColumn), QStringLiteral("primary"));
    QCOMPARE(cell(0, TopologyModel::SlotsColumn), QStringLiteral("0-5460"));
    QCOMPARE(cell(3, TopologyModel::RoleColumn), QStringLiteral("replica of 127.0.0.1:30001"));
    QCOMPARE(cell(4, TopologyModel::SlotsColumn), QStringLiteral("(copy of 5461-10922)"));
    QCOMPARE(cell(1, TopologyModel::StateColumn),
             QStringLiteral("unreachable: Connection refused"));
    QVERIFY(!model.index(1, TopologyModel::StateColumn).data(Qt::DecorationRole).isNull());
    QVERIFY(model.index(0, TopologyModel::StateColumn).data(Qt::DecorationRole).isNull());
    QCOMPARE(cell(0, TopologyModel::CommandsColumn), QLocale().toString(12.5, 'f', 1));
    QVERIFY(cell(0, TopologyModel::BytesColumn).endsWith(QLatin1String("/s")));
    QCOMPARE(model.index(0, TopologyModel::BytesColumn).data(Qt::TextAlignmentRole).toInt(),
             int(Qt::AlignRight | Qt::AlignVCenter));
    QCOMPARE(model.index(0, TopologyModel::CommandsColumn).data(Qt::TextAlignmentRole).toInt(),
             int(Qt::AlignRight | Qt::AlignVCenter));
    // A stale picture shows no load figures.
    model.setStale(true);
    QCOMPARE(cell(0, TopologyModel::CommandsColumn), QStringLiteral("-"));
    // Nor a state the node said before it stopped answering, as if it were now: greyed.
    QVERIFY2(
        cell(0, TopologyModel::StateColumn).startsWith(QLatin1String("unknown: not answering")),
        qPrintable(cell(0, TopologyModel::StateColumn)));
    QVERIFY(model.index(0, TopologyModel::NodeColumn).data(Qt::ForegroundRole).isValid());
    model.setStale(false);
    QVERIFY(!model.index(0, TopologyModel::NodeColumn).data(Qt::ForegroundRole).isValid());

    // Sortable by the numbers, not their text.
    TopologyView view;
    view.setSnapshot(snap);
    QVERIFY2(view.summary().startsWith(QLatin1String("cluster, 3 primaries, 6 nodes, 1 not ok")),
             qPrintable(view.summary()));
    view.view()->sortByColumn(TopologyModel::CommandsColumn, Qt::DescendingOrder);
    QCOMPARE(view.view()->model()->index(0, TopologyModel::NodeColumn).data().toString(),
             QStringLiteral("127.0.0.1:30001"));
    QCOMPARE(view.view()->model()->index(1, TopologyModel::NodeColumn).data().toString(),
             QStringLiteral("127.0.0.1:30003"));
    view.view()->sortByColumn(TopologyModel::SlotsColumn, Qt::AscendingOrder);
    QCOMPARE(view.view()->model()->index(0, TopologyModel::NodeColumn).data().toString(),
             QStringLiteral("127.0.0.1:30001"));

    // After a failover: the same nodes, other roles, updated in place.
    snap.nodes[1] = node("127.0.0.1:30002", "b2", false, "e5", {}, "fail");
    snap.nodes[4] = node("127.0.0.1:30005", "e5", true, {}, {{5461, 10922}});
    model.setSnapshot(snap);
    QCOMPARE(cell(1, TopologyModel::RoleColumn), QStringLiteral("replica of 127.0.0.1:30005"));
    QCOMPARE(cell(4, TopologyModel::RoleColumn), QStringLiteral("primary"));

    // Standalone: the one server.
    TopologySnapshot one;
    one.nodes = {node("127.0.0.1:6379", {}, true, {}, {})};
    model.setSnapshot(one);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(cell(0, TopologyModel::RoleColumn), QStringLiteral("standalone"));
    QCOMPARE(cell(0, TopologyModel::SlotsColumn), QStringLiteral("all keys"));
}

void TestClusterGui::deploymentAndMissingTexts() {
    TopologySnapshot snap;
    QCOMPARE(deploymentText(snap), QStringLiteral("standalone"));
    snap.topology = RedisClient::Topology::Cluster;
    snap.nodes = {node("h:1", "a", true, {}, {{0, 16383}}), node("h:2", "b", false, "a", {})};
    QCOMPARE(deploymentText(snap), QStringLiteral("cluster, 1 primary"));
    snap.nodes.append(node("h:3", "c", true, {}, {{0, 1}}));
    QCOMPARE(deploymentText(snap), QStringLiteral("cluster, 2 primaries"));
    QCOMPARE(parseSlotRanges(QStringLiteral("0-5460,10923")),
             (QList<QPair<int, int>>{{0, 5460}, {10923, 10923}}));
    QCOMPARE(parseSlotRanges(QString()), (QList<QPair<int, int>>{}));
    QVERIFY(inSlotRanges(5460, parseSlotRanges(QStringLiteral("0-5460"))));
    QVERIFY(!inSlotRanges(5461, parseSlotRanges(QStringLiteral("0-5460"))));
    QCOMPARE(missingNodesText({}, QStringLiteral("x")), QString());
    QCOMPARE(missingNodesText({{QStringLiteral("127.0.0.1:30002"), QStringLiteral("5461-10922"),
                                QStringLiteral("Connection refused")}},
                              QStringLiteral("streams there are not listed")),
             QStringLiteral("127.0.0.1:30002 (slots 5461-10922) not answering: streams there are "
                            "not listed"));
}

void TestClusterGui::listsStreamsOfEveryShardWithTheirNode() {
    StreamListModel *model = m_window->streamModel();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 3, 15000);
    for (int row = 0; row < model->rowCount(); ++row) {
        const QByteArray name = model->index(row, 0).data(StreamListModel::NameRole).toByteArray();
        const QString endpoint = m_streamOn.key(name);
        QVERIFY2(!endpoint.isEmpty(), name.constData());
        // The names come first (the first SCAN page, shown before the first whole poll); the
        // node column follows with the poll, "-" until then.
        QTRY_COMPARE_WITH_TIMEOUT(model->index(row, StreamListModel::NodeColumn).data().toString(),
                                  endpoint, 15000);
        QCOMPARE(model->index(row, StreamListModel::SlotColumn).data().toInt(),
                 cluster::keySlot(name));
    }
    // Shown on a cluster.
    QTRY_VERIFY(!m_window->streamView()->isColumnHidden(StreamListModel::NodeColumn));
    QVERIFY(!m_window->streamView()->isColumnHidden(StreamListModel::SlotColumn));
    QVERIFY(m_window->missingNodesText().isEmpty());
    if (const QByteArray dir = qgetenv("STREAMSCOPE_SHOTS"); !dir.isEmpty())
        m_window->grab().save(QString::fromUtf8(dir) + QStringLiteral("/cluster-streams.png"));
}

void TestClusterGui::topologyViewShowsEveryNode() {
    // Reachable from the View menu.
    QAction *show = m_window->menuBar()->findChild<QAction *>(QStringLiteral("show-topology"));
    QVERIFY(show);
    QVERIFY(!show->shortcut().isEmpty());
    show->trigger();
    QCOMPARE(m_window->tabs()->currentWidget(), m_window->topologyView());

    TopologyModel *model = m_window->topologyView()->model();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 6, 15000);
    const QStringList roles = column(model, TopologyModel::RoleColumn);
    QCOMPARE(roles.count(QStringLiteral("primary")), 3);
    QStringList slots;
    for (int row = 0; row < model->rowCount(); ++row)
        if (roles.at(row) == QLatin1String("primary"))
            slots << model->index(row, TopologyModel::SlotsColumn).data().toString();
    slots.sort();
    QCOMPARE(slots, (QStringList{QStringLiteral("0-5460"), QStringLiteral("10923-16383"),
                                 QStringLiteral("5461-10922")}));
    for (const QString &role : roles)
        if (role != QLatin1String("primary"))
            QVERIFY2(role.startsWith(QLatin1String("replica of 127.0.0.1:")), qPrintable(role));
    QCOMPARE(column(model, TopologyModel::StateColumn).count(QStringLiteral("ok")), 6);
    // StreamScope's own load shows on the primaries it polls.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int row = 0; row < model->rowCount(); ++row)
                if (model->index(row, TopologyModel::CommandsColumn)
                        .data(TopologyModel::SortRole)
                        .toDouble()
                    > 0)
                    return true;
            return false;
        }(),
        15000);
    if (const QByteArray dir = qgetenv("STREAMSCOPE_SHOTS"); !dir.isEmpty())
        m_window->grab().save(QString::fromUtf8(dir) + QStringLiteral("/cluster-topology.png"));
}

void TestClusterGui::statusBarSaysCluster() {
    QTRY_COMPARE_WITH_TIMEOUT(m_window->deploymentText(), QStringLiteral("cluster, 3 primaries"),
                              15000);
    bool shown = false;
    for (QLabel *l : m_window->statusBar()->findChildren<QLabel *>())
        shown = shown || (l->isVisible() && l->text() == QLatin1String("cluster, 3 primaries"));
    QVERIFY(shown);
}

void TestClusterGui::groupsAndPendingOfAStreamOnAnotherNode() {
    GroupsPanel *panel = m_window->groupsPanel();
    QTRY_COMPARE_WITH_TIMEOUT(panel->groupsModel()->rowCount(), 1, 15000);
    QCOMPARE(panel->groupsModel()->index(0, GroupsModel::StreamColumn).data().toString(),
             QString::fromUtf8(m_remoteStream));
    QCOMPARE(panel->groupsModel()->index(0, GroupsModel::PendingColumn).data().toString(),
             QStringLiteral("10"));
    m_window->showTab(QStringLiteral("groups"));
    panel->selectGroup(m_remoteStream, "g");
    QTRY_COMPARE_WITH_TIMEOUT(panel->pendingModel()->rowCount(), 10, 10000);
    QCOMPARE(panel->consumersModel()->rowCount(), 1);
    QCOMPARE(panel->consumersModel()->index(0, ConsumersModel::NameColumn).data().toString(),
             QStringLiteral("c1"));
    QVERIFY(panel->pendingNote().isEmpty()
            || !panel->pendingNote().contains(QLatin1String("MOVED")));

    // Acknowledge two through the panel's button: routed to the stream's node.
    panel->confirm = [](const QString &) { return true; };
    panel->pendingView()->selectRow(0);
    panel->pendingView()->selectionModel()->select(panel->pendingView()->model()->index(1, 0),
                                                   QItemSelectionModel::Select
                                                       | QItemSelectionModel::Rows);
    QSignalSpy done(panel, &GroupsPanel::actionMessage);
    for (QPushButton *b : panel->findChildren<QPushButton *>())
        if (b->text() == QLatin1String("Acknowledge"))
            b->click();
    QTRY_COMPARE(done.size(), 1);
    QVERIFY2(done.first().at(1).toBool(), qPrintable(done.first().at(0).toString()));
    QCOMPARE(run(*m_admin, {"XPENDING", m_remoteStream, "g"}).at(0).integer(), 8);
    QTRY_COMPARE(panel->pendingModel()->rowCount(), 8);
}

void TestClusterGui::browsePagesAStreamOnAnotherNode() {
    StreamBrowser *browser = m_window->browser();
    m_window->showTab(QStringLiteral("browse"));
    browser->openStream(m_remoteStream);
    StreamBrowserModel *model = browser->model();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), StreamBrowserModel::pageSize, 10000);
    QVERIFY2(browser->findChildren<QLabel *>().size() > 0, "labels");
    QTRY_VERIFY(model->canFetchMore({}));
    model->fetchMore({});
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 701, 10000);
}

void TestClusterGui::actionsRouteByKey() {
    // The worker the views use, on a stream of each node: claim, dead-letter, delete, read.
    GroupActions actions(m_cluster->settings(0));
    GroupActionsWorker *worker = actions.worker();
    QSignalSpy finished(worker, &GroupActionsWorker::actionFinished);
    const RedisReply pending = run(*m_admin, {"XPENDING", m_remoteStream, "g", "-", "+", "10"});
    QVERIFY(pending.size() >= 3);
    const QByteArray first = pending.at(0).at(0).bytes();
    const QByteArray second = pending.at(1).at(0).bytes();
    QMetaObject::invokeMethod(worker, [&] { worker->claim(m_remoteStream, "g", "c2", {first}); });
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));

    // Dead-letter: the default dead-letter stream may hash to another node.
    QMetaObject::invokeMethod(worker, [&] { worker->deadLetter(m_remoteStream, "g", {second}); });
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 10000);
    QVERIFY2(finished.at(1).at(0).toBool(), qPrintable(finished.at(1).at(1).toString()));
    QCOMPARE(run(*m_admin, {"XPENDING", m_remoteStream, "g"}).at(0).integer(), 7);

    // Reads of a stream on each node.
    QSignalSpy entries(worker, &GroupActionsWorker::entry);
    for (const QByteArray &stream : m_streamOn) {
        const QByteArray id =
            run(*m_admin, {"XRANGE", stream, "-", "+", "COUNT", "1"}).at(0).at(0).bytes();
        QMetaObject::invokeMethod(worker, [=] { worker->fetchEntry(stream, id); });
    }
    QTRY_COMPARE_WITH_TIMEOUT(entries.size(), 3, 10000);
    for (const QList<QVariant> &e : entries) {
        QVERIFY2(e.at(3).toString().isEmpty(), qPrintable(e.at(3).toString()));
        QCOMPARE(e.at(2).value<StreamEntryList>().size(), 1);
    }

    // Delete (the browser's Delete key) on the seed's stream and on another node's.
    QSignalSpy deleted(worker, &GroupActionsWorker::entriesDeleted);
    for (const QString &endpoint : {m_seed, m_remote}) {
        const QByteArray stream = keyOn(*m_admin, endpoint, "deletable");
        const QByteArray id = run(*m_admin, {"XADD", stream, "*", "f", "v"}).bytes();
        QMetaObject::invokeMethod(worker, [=] { worker->deleteEntries(stream, {id}); });
    }
    QTRY_COMPARE_WITH_TIMEOUT(deleted.size(), 2, 10000);
    for (const QString &endpoint : {m_seed, m_remote})
        QCOMPARE(run(*m_admin, {"XLEN", keyOn(*m_admin, endpoint, "deletable")}).integer(), 0);

    // Find by key over the streams of every node.
    QSignalSpy found(worker, &GroupActionsWorker::keyFound);
    const QList<QByteArray> all = m_streamOn.values();
    QMetaObject::invokeMethod(worker, [&] { worker->lookupKey(1, all, "orderId", "1005"); });
    QTRY_COMPARE_WITH_TIMEOUT(found.size(), 1, 10000);
    const KeyLookupResult lookup = found.first().at(1).value<KeyLookupResult>();
    int hits = 0;
    for (const auto &s : lookup.streams) {
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        hits += int(s.entries.size());
    }
    QCOMPARE(hits, 1);
}

void TestClusterGui::trimDialogOnAnotherNode() {
    const QByteArray stream = keyOn(*m_admin, m_remote, "trim");
    QList<Command> adds;
    for (int i = 0; i < 100; ++i)
        adds.append({"XADD", stream, "*", "i", QByteArray::number(i)});
    QVERIFY(m_admin->pipeline(adds).ok());
    run(*m_admin, {"XGROUP", "CREATE", stream, "behind", "0"});
    GroupActions requests(m_cluster->settings(0));
    TrimDialog dialog(&requests, stream, false);
    dialog.confirm = [](const QString &) { return true; };
    dialog.valueEdit()->setText(QStringLiteral("30"));
    dialog.preview();
    QTRY_VERIFY_WITH_TIMEOUT(dialog.canTrim(), 10000);
    QVERIFY2(dialog.previewText().contains(QLatin1String("Group behind would lose 70 entries")),
             qPrintable(dialog.previewText()));
    QSignalSpy done(&dialog, &TrimDialog::trimmed);
    dialog.trim();
    QTRY_COMPARE(done.size(), 1);
    QVERIFY2(done.first().first().toBool(), qPrintable(done.first().at(1).toString()));
    QCOMPARE(run(*m_admin, {"XLEN", stream}).integer(), 30);
}

void TestClusterGui::publishAndExportOnAnotherNode() {
    const QByteArray stream = keyOn(*m_admin, m_remote, "published");
    PublishView view;
    view.setConnection(m_cluster->settings(0));
    view.streamBox()->setCurrentText(QString::fromUtf8(stream));
    view.fieldTable()->setRowCount(1);
    view.fieldTable()->setItem(0, 0, new QTableWidgetItem(QStringLiteral("type")));
    view.fieldTable()->setItem(0, 1, new QTableWidgetItem(QStringLiteral("test")));
    view.fieldTabs()->setCurrentIndex(0);
    view.countBox()->setValue(5);
    QSignalSpy published(&view, &PublishView::finished);
    QVERIFY(view.send());
    QVERIFY(published.wait(15000));
    QVERIFY(view.lastOutcome());
    QVERIFY2(view.lastOutcome()->error.isEmpty(), qPrintable(view.lastOutcome()->error));
    QCOMPARE(view.lastOutcome()->sent, 5);
    QCOMPARE(run(*m_admin, {"XLEN", stream}).integer(), 5);

    ExportDialog dialog({{}, {}, m_remoteStream, {}}, m_cluster->settings(0));
    dialog.choose(ExportDialog::Choice::Range);
    const QString path = m_dir.filePath(QStringLiteral("remote.jsonl"));
    dialog.pathEdit()->setText(path);
    QSignalSpy exported(&dialog, &ExportDialog::exported);
    QVERIFY(dialog.start());
    QVERIFY(exported.wait(30000));
    QVERIFY(dialog.outcome());
    QVERIFY2(dialog.outcome()->error.isEmpty(), qPrintable(dialog.outcome()->error));
    QCOMPARE(dialog.outcome()->written, 701);

    // The pending list of the group on that node.
    ExportDialog pendingDialog({{}, {}, m_remoteStream, "g"}, m_cluster->settings(0));
    pendingDialog.choose(ExportDialog::Choice::Pending);
    pendingDialog.pathEdit()->setText(m_dir.filePath(QStringLiteral("pending.jsonl")));
    QSignalSpy pendingExported(&pendingDialog, &ExportDialog::exported);
    QVERIFY(pendingDialog.start());
    QVERIFY(pendingExported.wait(30000));
    QVERIFY(pendingDialog.outcome());
    QVERIFY2(pendingDialog.outcome()->error.isEmpty(), qPrintable(pendingDialog.outcome()->error));
    QCOMPARE(pendingDialog.outcome()->written, 7);
}

void TestClusterGui::failoverIsSaid() {
    // The third primary (neither the seed nor m_remote) hands over to its replica.
    QString third;
    for (const QString &p : m_admin->primaries())
        if (p != m_seed && p != m_remote)
            third = p;
    QVERIFY(!third.isEmpty());
    // The tail reads a stream there, and has read it (the failover is told by the tail).
    const QByteArray stream = m_streamOn.value(third);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->stateText().contains(QLatin1String("live")), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            run(*m_admin, {"XADD", stream, "*", "type", "before-failover"});
            m_window->eventModel()->flush();
            for (int row = 0; row < m_window->eventModel()->rowCount(); ++row)
                if (m_window->eventModel()->entry(row).value("type") == "before-failover")
                    return true;
            return false;
        }(),
        10000);
    QString thirdId, replica;
    for (const RedisClient::Node &n : m_admin->nodes())
        if (n.endpoint == third)
            thirdId = n.id;
    for (const RedisClient::Node &n : m_admin->nodes())
        if (!n.primary && n.primaryId == thirdId)
            replica = n.endpoint;
    QVERIFY(!replica.isEmpty());
    auto promoted = m_admin->commandOn(replica, {"CLUSTER", "FAILOVER"});
    QVERIFY(promoted.ok());
    QVERIFY2(!promoted->isError(), qPrintable(promoted->errorMessage()));

    // The tail says which node failed over: in the status bar and in the topology view.
    // ("<node> failed over: slots ... now served by <replica>", or "the slots of <streams>
    // moved from <node> to <replica>" when the map already showed the new primary.)
    QTRY_VERIFY_WITH_TIMEOUT(m_window->topologyView()->lastChange().contains(third), 20000);
    QVERIFY2(m_window->topologyView()->lastChange().contains(replica),
             qPrintable(m_window->topologyView()->lastChange()));
    QVERIFY2(m_window->statusBar()->currentMessage().contains(third),
             qPrintable(m_window->statusBar()->currentMessage()));
    // The topology view follows: the old primary is a replica of its old replica; the status
    // bar still says 3 primaries.
    TopologyModel *model = m_window->topologyView()->model();
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int row = 0; row < model->rowCount(); ++row)
                if (model->index(row, TopologyModel::NodeColumn).data().toString() == third)
                    return model->index(row, TopologyModel::RoleColumn).data().toString()
                           == QStringLiteral("replica of ") + replica;
            return false;
        }(),
        15000);
    QCOMPARE(m_window->deploymentText(), QStringLiteral("cluster, 3 primaries"));
    // The stream is listed on its new node.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            StreamListModel *streams = m_window->streamModel();
            for (int row = 0; row < streams->rowCount(); ++row)
                if (streams->index(row, 0).data(StreamListModel::NameRole).toByteArray() == stream)
                    return streams->index(row, StreamListModel::NodeColumn).data().toString()
                           == replica;
            return false;
        }(),
        15000);
}

// Beyond what the window watches (2,500 streams over the three primaries): the list pages
// through every primary's SCAN, each name once; only the watched rows are polled (their node
// shown) and tailed, the others say they are not watched; a watched stream that goes loses its
// row.
void TestClusterGui::pagedListCoversEveryShard() {
    constexpr int count = 2500;
    auto name = [](int i) { return "paged:" + QByteArray::number(i).rightJustified(5, '0'); };
    QList<Command> adds;
    for (int i = 0; i < count; ++i)
        adds.append({"XADD", name(i), "*", "seq", QByteArray::number(i)});
    auto added = m_admin->pipeline(adds);
    QVERIFY2(added.ok(), qPrintable(added.ok() ? QString() : added.error().message));
    auto cleanUp = qScopeGuard([&] {
        QList<Command> dels;
        for (int i = 0; i < count; ++i)
            dels.append({"DEL", name(i)});
        if (!m_admin->pipeline(dels).ok())
            qWarning("could not delete the paged:* streams");
    });

    Session::Options o;
    o.poll.catalog = true;
    o.poll.maxStreams = 100;
    o.poll.pageSize = 500;
    o.poll.scanCount = 500;
    o.poll.intervalMs = 200;
    o.poll.lengthIntervalMs = 400;
    o.poll.listIntervalMs = 800;
    Session session(m_cluster->settings(0), o);
    StreamListPane pane;
    pane.resize(400, 600);
    QAbstractItemModelTester tester(pane.model());
    pane.bind(&session);
    pane.show();
    session.start();
    StreamListModel *model = pane.model();
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 0, 15000);
    qInfo("first rows: %d, more: %d, scope: %s", model->rowCount(), int(model->hasMore()),
          qPrintable(pane.scopeText()));
    for (int i = 0; i < 100 && model->hasMore(); ++i) {
        const int before = model->rowCount();
        model->fetchMore({});
        QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > before || !model->hasMore(), 15000);
    }
    QVERIFY(!model->hasMore());
    QSet<QByteArray> paged;
    int duplicates = 0;
    for (int row = 0; row < model->rowCount(); ++row) {
        const QByteArray n = model->nameAt(row);
        if (!n.startsWith("paged:"))
            continue;
        duplicates += paged.contains(n) ? 1 : 0;
        paged.insert(n);
    }
    QCOMPARE(duplicates, 0);
    QCOMPARE(paged.size(), count);
    QVERIFY(pane.scopeText().startsWith(QLatin1String("Watching ")));

    // The watched rows (those in view) are polled: each shows its own node; the tail follows
    // them only.
    QTRY_VERIFY_WITH_TIMEOUT(!pane.watchedStreams().isEmpty(), 15000);
    const QList<QByteArray> watched = pane.watchedStreams();
    QVERIFY(watched.size() < 200);
    QSet<QString> nodes;
    for (const QByteArray &w : watched) {
        const int row = model->rowOf(w);
        QVERIFY(row >= 0);
        const QString endpoint = m_admin->endpointForSlot(cluster::keySlot(w));
        QTRY_COMPARE_WITH_TIMEOUT(model->index(row, StreamListModel::NodeColumn).data().toString(),
                                  endpoint, 15000);
        nodes.insert(endpoint);
    }
    QTRY_COMPARE_WITH_TIMEOUT(session.tailedCount(), int(watched.size()), 15000);
    // The rows come in the order found, primary after primary: the last ones are of another
    // primary, not watched until scrolled to.
    const int last = model->rowCount() - 1;
    const QByteArray lastName = model->nameAt(last);
    QVERIFY(!watched.contains(lastName));
    QCOMPARE(model->index(last, StreamListModel::LengthColumn).data().toString(),
             QStringLiteral("-"));
    pane.view()->scrollToBottom();
    QTRY_VERIFY_WITH_TIMEOUT(pane.watchedStreams().contains(lastName), 15000);
    const QString lastNode = m_admin->endpointForSlot(cluster::keySlot(lastName));
    QTRY_COMPARE_WITH_TIMEOUT(model->index(last, StreamListModel::NodeColumn).data().toString(),
                              lastNode, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(model->index(last, StreamListModel::LengthColumn).data().toString(),
                              QStringLiteral("1"), 15000);
    nodes.insert(lastNode);
    QVERIFY(nodes.size() >= 2);

    // A watched stream deleted on its node: its row goes.
    const QByteArray gone = lastName;
    QVERIFY(gone.startsWith("paged:"));
    run(*m_admin, {"DEL", gone});
    QTRY_COMPARE_WITH_TIMEOUT(model->rowOf(gone), -1, 15000);
}

void TestClusterGui::missingNodeIsSaid() {
    // A primary dies and its replica does not take over (and the rest of the cluster goes on
    // serving its slots): its slots are unknown until the replica is promoted by hand.
    int victim = -1, replica = -1;
    for (int i = 0; i < m_cluster->size(); ++i)
        if (m_remote.endsWith(QStringLiteral(":%1").arg(m_cluster->node(i).port())))
            victim = i;
    QVERIFY(victim >= 0);
    QString victimId;
    for (const RedisClient::Node &n : m_admin->nodes())
        if (n.endpoint == m_remote)
            victimId = n.id;
    QString victimSlots;
    for (const RedisClient::Node &n : m_admin->nodes()) {
        if (n.endpoint == m_remote)
            victimSlots = TopologyModel::slotText(n.slotRanges);
        if (!n.primary && n.primaryId == victimId)
            for (int i = 0; i < m_cluster->size(); ++i)
                if (n.endpoint.endsWith(QStringLiteral(":%1").arg(m_cluster->node(i).port())))
                    replica = i;
    }
    QVERIFY(replica >= 0);
    for (int i = 0; i < m_cluster->size(); ++i) {
        auto c = std::make_unique<RedisConnection>(m_cluster->settings(i));
        QVERIFY(!c->open());
        QVERIFY(c->command({"CONFIG", "SET", "cluster-require-full-coverage", "no"}).ok());
        if (i == replica)
            QVERIFY(c->command({"CONFIG", "SET", "cluster-replica-no-failover", "yes"}).ok());
    }
    // The replica has every entry before its primary dies.
    auto waited = m_admin->commandOn(m_remote, {"WAIT", "1", "5000"});
    QVERIFY(waited.ok());
    QCOMPARE(waited->integer(), qint64(1));
    m_window->groupsPanel()->selectGroup(m_remoteStream, "g");
    QTRY_VERIFY(m_window->groupsPanel()->consumersModel()->rowCount() > 0);
    QTRY_VERIFY(m_window->groupsPanel()->pendingModel()->rowCount() > 0);
    m_cluster->node(victim).kill();

    const QString expected = QStringLiteral("%1 (slots %2) not answering: streams there are not "
                                            "listed")
                                 .arg(m_remote, victimSlots);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->missingNodesText().startsWith(expected), 20000);
    QTRY_VERIFY(m_window->groupsPanel()->missingNodes().contains(m_remote));
    // The group that was selected there is not shown as current: no consumers, no pending.
    QTRY_COMPARE(m_window->groupsPanel()->consumersModel()->rowCount(), 0);
    QTRY_COMPARE(m_window->groupsPanel()->pendingModel()->rowCount(), 0);
    QVERIFY(
        m_window->tabs()->tabText(m_window->findingsTabIndex()).contains(QLatin1String("partial")));
    // The other shards' streams are still listed.
    QTRY_VERIFY(m_window->streamModel()->rowCount() >= 2);
    if (const QByteArray dir = qgetenv("STREAMSCOPE_SHOTS"); !dir.isEmpty())
        m_window->grab().save(QString::fromUtf8(dir) + QStringLiteral("/cluster-missing.png"));

    // The replica takes over: the list is whole again and the warning goes.
    auto promote = std::make_unique<RedisConnection>(m_cluster->settings(replica));
    QVERIFY(!promote->open());
    QVERIFY(promote->command({"CLUSTER", "FAILOVER", "TAKEOVER"}).ok());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->missingNodesText().isEmpty(), 30000);
    QVERIFY(m_window->groupsPanel()->missingNodes().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->streamModel()->names().contains(m_remoteStream), 15000);
    // The tail reads the stream on its new node again...
    QTRY_VERIFY_WITH_TIMEOUT(m_window->stateText().contains(QLatin1String("live")), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            (void)m_admin->command({"XADD", m_remoteStream, "*", "type", "after-return"});
            m_window->eventModel()->flush();
            for (int row = 0; row < m_window->eventModel()->rowCount(); ++row)
                if (m_window->eventModel()->entry(row).value("type") == "after-return")
                    return true;
            return false;
        }(),
        20000);
    // ... and its streams were unknown, not new: their history (the entries written before
    // the window connected) does not come in as live events.
    QTest::qWait(1000);
    m_window->eventModel()->flush();
    for (int row = 0; row < m_window->eventModel()->rowCount(); ++row) {
        const StreamEntry &e = m_window->eventModel()->entry(row);
        QVERIFY2(e.stream != m_remoteStream || e.value("orderId").isNull(),
                 e.id.toString().toUtf8());
    }
}

QTEST_MAIN(TestClusterGui)
#include "tst_cluster_gui.moc"
