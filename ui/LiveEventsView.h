#pragma once

#include "Freshness.h"
#include "PackedRows.h"
#include "StreamEntry.h"
#include "StreamTailer.h"

#include <QPointer>
#include <QSet>
#include <QWidget>

class QLabel;
class QPushButton;
class QSplitter;
class QTableView;

namespace streamscope {

class EntryDetailView;
class LiveEventModel;
class LiveFilterModel;
class Session;
class WarningBanner;

// The "Live events" tab: the tail's entries as they arrive, with the selected entry's details.
// It follows the newest entry while the user is at the bottom; the Pause button (or selecting a
// row while following) holds the table still and counts what arrives meanwhile, and Resume
// shows it. Bound to one session at a time: a new session starts an empty table.
class LiveEventsView : public QWidget {
    Q_OBJECT
public:
    explicit LiveEventsView(QWidget *parent = nullptr);

    // Null: nothing is shown (disconnected). Entries of an earlier session never arrive here.
    void bind(Session *session);
    // Only the entries of these streams (all when empty). The entry in the details stays.
    void setStreamFilter(const QSet<QByteArray> &streams);
    void setRowCap(int cap);
    void setFreshness(const Freshness &freshness);

    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    // Entries that arrived while paused, not shown yet.
    qint64 heldBack() const { return m_heldCount; }
    QPushButton *pauseButton() const { return m_pauseButton; }
    QString pauseText() const;

    // Entries shown whose field equals value (the flow view's "Where is" over the live table).
    // Goes over every row held, unpacking only those that match.
    StreamEntryList find(const QByteArray &field, const QByteArray &value) const;

    LiveEventModel *model() const { return m_events; }
    LiveFilterModel *filterModel() const { return m_filter; }
    QTableView *table() const { return m_table; }
    EntryDetailView *detail() const { return m_detail; }
    QSplitter *splitter() const { return m_splitter; }
    // What the banner says of entries a failover lost ("" when none).
    QString lostEntriesText() const;
    QString freshnessText() const;

private:
    void onSelectionChanged();
    void onEntries(const StreamEntryList &batch);
    void updatePauseBar();
    void sizeColumns();

    LiveEventModel *m_events = nullptr;
    LiveFilterModel *m_filter = nullptr;
    QTableView *m_table = nullptr;
    EntryDetailView *m_detail = nullptr;
    QSplitter *m_splitter = nullptr;
    WarningBanner *m_lossBanner = nullptr;
    QLabel *m_note = nullptr;
    QLabel *m_pauseLabel = nullptr;
    QPushButton *m_pauseButton = nullptr;
    QPointer<Session> m_session;
    QList<QMetaObject::Connection> m_connections;
    bool m_follow = true;
    bool m_paused = false;
    bool m_stale = false;     // the server does not answer: nothing new can arrive
    bool m_filtering = false; // the filter is changing: selection changes are not the user's
    PackedRows m_held;        // arrived while paused (at most the row cap)
    qint64 m_heldCount = 0;   // all that arrived while paused
    std::optional<StreamEntry> m_shown; // the entry in the details pane
    QString m_filterNames;              // the streams the table shows ("" for all)
};

} // namespace streamscope
