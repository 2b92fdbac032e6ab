#pragma once

#include "ExportDialog.h"

#include "Freshness.h"
#include "GroupPoller.h"
#include "Permissions.h"
#include "StreamInfo.h"

#include <QHash>
#include <QPointF>
#include <QPointer>
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
class RewindDialog;
class WarningBanner;

// Consumer groups: every group with its lag and status; for the selected group its consumers,
// its pending entries (paged, filtered, with ack / claim / dead-letter), and a chart of lag and
// pending over time. Fed by GroupPoller snapshots; asks GroupActions for everything else. The
// pending list follows each poll of its group (the page shown, read again by ID); a group that
// goes away while shown is said to be gone.
class GroupsPanel : public QWidget {
    Q_OBJECT
public:
    explicit GroupsPanel(QWidget *parent = nullptr);
    ~GroupsPanel() override;

    // Sets the connection for pending pages and actions (nullptr: none).
    void setActions(GroupActions *actions, bool readOnly);
    // Read-only on or off, in place: the write actions follow, nothing is reloaded.
    void setReadOnly(bool readOnly);
    bool isReadOnly() const { return m_readOnly; }
    // How current the figures are: while not, they are greyed (idle times stop ticking) and a
    // note says "last updated hh:mm:ss" and why.
    void setFreshness(const streamscope::Freshness &freshness);
    Freshness freshness() const { return m_freshness; }
    QString freshnessNote() const; // the note shown while not current ("" when current)
    // Each snapshot updates the groups and, when the selected group was polled in it, reads the
    // pending page shown again (skipped while the previous read is still out).
    void showSnapshot(const GroupSnapshot &snapshot);
    // Another connection (or none): empty, with nothing said of the last one's groups.
    void reset();
    // Why the groups shown are not current (the server's message), or empty: they are.
    void showPollError(const QString &message);
    QString pollError() const;
    // The nodes whose groups are unknown (a cluster node down), or none: the picture is whole.
    void showMissingNodes(const streamscope::MissingNodeList &missing);
    // Streams the user may not read (ACL): their groups are not shown, and the note says so.
    void setUnreadableStreams(const QList<QByteArray> &streams);
    QString missingNodes() const;
    QString pendingNote() const; // what the pending entries pane says above its list
    // The selected group went away (destroyed, its stream deleted) while shown: why, or "".
    QString goneNote() const;
    QLabel *noteLabel() const { return m_note; }
    // Only the groups of these streams (none: all); a note above the table says so, with a
    // "Show all" button (showAllRequested).
    void setStreamFilter(const QSet<QByteArray> &streams);
    QString streamFilterNote() const; // "Showing groups of 2 selected streams", or ""

    GroupsModel *groupsModel() const { return m_groups; }
    ConsumersModel *consumersModel() const { return m_consumers; }
    PendingModel *pendingModel() const { return m_pending; }
    QTableView *groupsView() const { return m_groupView; }
    QTableView *pendingView() const { return m_pendingView; }
    EntryDetailView *pendingDetail() const { return m_pendingDetail; }
    QLineSeries *lagSeries() const { return m_lagSeries; }
    QByteArray selectedGroupKey() const { return m_selectedKey; }
    void selectGroup(const QByteArray &stream, const QByteArray &group);
    // The group, then the consumer's row among its consumers (the service map's double-click).
    void selectConsumer(const QByteArray &stream, const QByteArray &group,
                        const QByteArray &consumer);

    // Confirmation hook for tests (the question); unset, confirmAction asks with named buttons.
    std::function<bool(const QString &question)> confirm;

Q_SIGNALS:
    void actionMessage(const QString &message, bool ok);
    // "Show all" on the stream filter note: the window clears the stream selection.
    void showAllRequested();
    // "Export..." under the pending list: the selected group (none: empty choices).
    void exportRequested(const streamscope::ExportChoices &choices);
    // A repair changed a group's figures (a rewind): the window polls now (Session::pollNow).
    void pollRequested();

public:
    // Reads the selected group's pending entries again from the first page (F5, after actions,
    // a new filter); the selected entries still pending stay selected.
    void reloadPending();
    // Disables acknowledge, claim and dead-letter when the ACL user may not run them, with the
    // reason as their tooltip.
    void setPermissions(const Permissions &permissions);
    // "Rewind or skip..." (the button under the groups and the groups' context menu): opens the
    // rewind dialog for the selected group (nullptr when none is selected or not connected).
    RewindDialog *openRewindDialog();
    QPushButton *rewindButton() const { return m_rewindButton; }
    RewindDialog *rewindDialog() const; // the one open, or nullptr

private:
    void onGroupSelected();
    void onPendingSelected();
    void updateChart();
    void updateActionButtons();
    void act(const QString &verb);
    QList<QByteArray> selectedPendingIds() const;
    int firstVisiblePendingRow() const;
    void updateConsumerChoices();
    void onPendingRead();
    void askWhichWentAway();
    void markGone(const QByteArray &key, const QString &why);
    QString goneReason(const GroupSnapshot &snapshot) const;

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
    QPushButton *m_rewindButton;
    QPointer<RewindDialog> m_rewindDialog;
    QComboBox *m_claimTarget;
    QLabel *m_pendingNote;
    QLabel *m_pollError;
    QLabel *m_freshNote;   // why the figures are not current, and since when
    WarningBanner *m_gone; // the selected group went away while shown
    QWidget *m_filterBar;  // "Showing groups of 2 selected streams [Show all]"
    QLabel *m_filterNote;
    WarningBanner *m_missing;
    bool m_partial = false;         // a node's groups are missing
    QList<QByteArray> m_unreadable; // streams the user may not read: their groups not shown
    QLabel *m_note;                 // what is polled how often
    QChart *m_chart;
    QLineSeries *m_lagSeries;
    QLineSeries *m_pendingSeries;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_valueAxis;

    QPointer<GroupActions> m_actions;
    bool m_readOnly = false;
    Permissions m_permissions;
    Freshness m_freshness{Freshness::State::Current, 0, {}};
    QByteArray m_selectedKey;
    QByteArray m_shownStream, m_shownGroup; // the names of the selected group
    QByteArray m_goneKey;                   // the group that went away while shown
    qint64 m_polledAtMs = 0;                // the poll of the selected group last followed
    QString m_pendingError;                 // why the last read of the list failed, or empty
    std::optional<StreamId> m_detailId;     // the pending entry in the details pane
    QList<QByteArray> m_keepSelected;       // re-selected after a reload, if still pending
    // A fixed window of samples per group for the chart (15 minutes at one a second).
    QHash<QByteArray, QList<QPointF>> m_lagHistory;
    QHash<QByteArray, QList<QPointF>> m_pendingHistory;
};

} // namespace streamscope
