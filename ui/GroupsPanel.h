#pragma once

#include "ExportDialog.h"

#include "GroupPoller.h"
#include "Permissions.h"
#include "StreamInfo.h"

#include <QHash>
#include <QPointF>
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;
class QLineSeries;
class QChart;
class QDateTimeAxis;
class QValueAxis;

namespace streamscope {

class ConsumersModel;
class EntryDetailView;
class GroupActions;
class GroupsModel;
class PendingModel;
class WarningBanner;

// Consumer groups: every group with its lag and status; for the selected group its consumers,
// its pending entries (paged, filtered, with ack / claim / dead-letter), and a chart of lag and
// pending over time. Fed by GroupPoller snapshots; asks GroupActions for everything else.
class GroupsPanel : public QWidget {
    Q_OBJECT
public:
    explicit GroupsPanel(QWidget *parent = nullptr);
    ~GroupsPanel() override;

    // Sets the connection for pending pages and actions (nullptr: none).
    void setActions(GroupActions *actions, bool readOnly);
    void showSnapshot(const GroupSnapshot &snapshot);
    // Why the groups shown are not current (the server's message), or empty: they are.
    void showPollError(const QString &message);
    QString pollError() const;
    // The nodes whose groups are unknown (a cluster node down), or none: the picture is whole.
    void showMissingNodes(const streamscope::MissingNodeList &missing);
    // Streams the user may not read (ACL): their groups are not shown, and the note says so.
    void setUnreadableStreams(const QList<QByteArray> &streams);
    QString missingNodes() const;
    QString pendingNote() const; // what the pending entries pane says above its list
    QLabel *noteLabel() const { return m_note; }
    void setStreamFilter(const QSet<QByteArray> &streams);

    GroupsModel *groupsModel() const { return m_groups; }
    ConsumersModel *consumersModel() const { return m_consumers; }
    PendingModel *pendingModel() const { return m_pending; }
    QTableView *groupsView() const { return m_groupView; }
    QTableView *pendingView() const { return m_pendingView; }
    QLineSeries *lagSeries() const { return m_lagSeries; }
    QByteArray selectedGroupKey() const { return m_selectedKey; }
    void selectGroup(const QByteArray &stream, const QByteArray &group);

    // Confirmation hook for tests; by default a message box asks.
    std::function<bool(const QString &question)> confirm;

Q_SIGNALS:
    void actionMessage(const QString &message, bool ok);
    // "Export..." under the pending list: the selected group (none: empty choices).
    void exportRequested(const streamscope::ExportChoices &choices);

public:
    // Loads the selected group's pending entries again from the first page (F5, after actions).
    void reloadPending();
    // Disables acknowledge, claim and dead-letter when the ACL user may not run them, with the
    // reason as their tooltip.
    void setPermissions(const Permissions &permissions);

private:
    void onGroupSelected();
    void onPendingSelected();
    void updateChart();
    void updateActionButtons();
    void act(const QString &verb);
    QList<QByteArray> selectedPendingIds() const;

    GroupsModel *m_groups;
    ConsumersModel *m_consumers;
    PendingModel *m_pending;
    QSortFilterProxyModel *m_groupsProxy;
    QSortFilterProxyModel *m_pendingProxy;
    QTableView *m_groupView;
    QTableView *m_consumerView;
    QTableView *m_pendingView;
    EntryDetailView *m_pendingDetail;
    QComboBox *m_consumerFilter;
    QSpinBox *m_minIdle;
    QPushButton *m_ackButton;
    QPushButton *m_claimButton;
    QPushButton *m_deadLetterButton;
    QComboBox *m_claimTarget;
    QLabel *m_pendingNote;
    QLabel *m_pollError;
    WarningBanner *m_missing;
    bool m_partial = false;         // a node's groups are missing
    QList<QByteArray> m_unreadable; // streams the user may not read: their groups not shown
    QLabel *m_note;                 // what is polled how often
    QChart *m_chart;
    QLineSeries *m_lagSeries;
    QLineSeries *m_pendingSeries;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_valueAxis;

    GroupActions *m_actions = nullptr;
    bool m_readOnly = false;
    Permissions m_permissions;
    QByteArray m_selectedKey;
    // A fixed window of samples per group for the chart (15 minutes at one a second).
    QHash<QByteArray, QList<QPointF>> m_lagHistory;
    QHash<QByteArray, QList<QPointF>> m_pendingHistory;
};

} // namespace streamscope
