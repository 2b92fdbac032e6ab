#pragma once

#include "FlowHistory.h"
#include "FlowTracker.h"
#include "Freshness.h"
#include "KeyLookup.h"

#include <QWidget>

#include <functional>

class QBarSet;
class QChart;
class QLabel;
class QLineEdit;
class QPushButton;
class QListWidget;
class QSettings;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QTimer;
class QValueAxis;

namespace streamscope {

class EntryDetailView;
class GroupActions;

// A pipeline of events, live: flows started, completed, failed and waiting; end-to-end latency
// percentiles and histogram (from the entry IDs' times); the flows waiting longer than a
// threshold; a lookup of one key in the flow's streams, its events side by side; and, on demand,
// the same counts over the last minutes of history. The figures come from the connection's
// FlowTracker (the session owns and feeds it); the configuration is the view's, saved on every
// change and applied to whichever tracker is bound. Refreshes once a second.
class FlowView : public QWidget {
    Q_OBJECT
public:
    explicit FlowView(QWidget *parent = nullptr);

    // The connection's tracker, not owned: unbind (null) before it goes. Null shows nothing.
    // Binding applies the view's configuration to it (a tracker of other flows starts afresh).
    void setTracker(FlowTracker *tracker);
    FlowTracker *tracker() const { return m_tracker; }
    // Lookups and history counts go through its worker; null when disconnected.
    void setRequests(GroupActions *requests);
    // Restores the "flow" group when store has one, then writes it on every change (at once:
    // a killed app keeps it). Not owned; null stops saving.
    void setSettingsStore(QSettings *store);
    // A change, as from the form: applied to the tracker, saved, configChanged.
    void setConfig(const FlowConfig &config);
    const FlowConfig &config() const { return m_config; }
    // The server's streams. complete: the whole list, so a configured stream not in it does not
    // exist (the view says so instead of showing zeros); otherwise absence proves nothing.
    void setKnownStreams(const QList<QByteArray> &names, bool complete);
    // While not current: the figures greyed and as of the last update, "last updated hh:mm:ss"
    // and why; lookups and history counts say they cannot search.
    void setFreshness(const Freshness &freshness);
    const Freshness &freshness() const { return m_freshness; }
    // Forwards a batch to the bound tracker (for callers that feed the tail through the view).
    void addEntries(const streamscope::StreamEntryList &batch);
    // Recomputes the figures now (the timer does it every second).
    void refresh();
    // Looks the key up in the flow's streams; the answer arrives later (lookupFinished).
    void lookup(const QByteArray &key);
    // Counts the flows of the last minutes from history, off the GUI thread (historyCounted).
    void countHistory(int minutes);
    // Starts the bound tracker's counts afresh.
    void reset();

    const FlowStats &stats() const { return m_stats; }
    const KeyLookupResult &lastLookup() const { return m_lookup; }
    const FlowHistoryResult &lastHistory() const { return m_history; }
    // What the view shows, for tests: a counter tile ("started", "completed", "failed",
    // "waiting", "overdue"), the note under the tiles, the lookup's note, a lookup pane's title
    // and entries (side 0: the start, 1: the end), the history count's text.
    QString counterText(const QString &name) const;
    QString noteText() const;
    QString lookupNoteText() const;
    QString paneTitle(int side) const;
    StreamEntryList paneEntries(int side) const;
    QString historyText() const;

    std::function<qint64()> clock; // ms since epoch; the wall clock by default
    // The live window's entries whose field equals value (the window sets it): merged into a
    // lookup, so events still on screen are found even when the server trimmed them away.
    std::function<StreamEntryList(const QByteArray &field, const QByteArray &value)> searchLive;
    qint64 refreshCount() const { return m_refreshes; }
    // The histogram's bars as shown: counts per bin, and the bins' lower edges in ms.
    QList<qreal> histogramBars() const;
    static QList<qint64> histogramEdges();

Q_SIGNALS:
    void lookupFinished();
    void historyCounted();
    void configChanged(const streamscope::FlowConfig &config);

private:
    QString whyCannotAsk() const;
    void buildUi();
    void applyForm();
    void applyConfig(const FlowConfig &config, bool save);
    void fillForm();
    // The configured streams that the server's complete list lacks (none when not known).
    QList<QByteArray> missingStreams() const;
    void showLookup(const KeyLookupResult &result);
    void showHistory(const FlowHistoryResult &result);
    void setSearching(bool searching);
    void setCounting(bool counting);
    void updateHistogram();

    FlowConfig m_config;
    FlowTracker *m_tracker = nullptr;
    QSettings *m_store = nullptr;
    Freshness m_freshness;
    QList<QByteArray> m_knownStreams;
    bool m_knownComplete = false;
    bool m_knownSet = false;
    QString m_formProblem;
    FlowStats m_stats;
    KeyLookupResult m_lookup;
    FlowHistoryResult m_history;
    GroupActions *m_requests = nullptr;
    int m_request = 0;
    int m_lookupRequest = 0;
    int m_countRequest = 0;
    qint64 m_refreshes = 0;

    QLineEdit *m_startStream, *m_endStream, *m_keyField, *m_typeField;
    QLineEdit *m_startType, *m_completedType, *m_failedType;
    QSpinBox *m_threshold;
    QHash<QString, QLabel *> m_counters;
    QLabel *m_latency;
    QLabel *m_note;
    QSpinBox *m_historyMinutes;
    QPushButton *m_count;
    bool m_counting = false;
    QLabel *m_historyNote;
    QChart *m_chart;
    QBarSet *m_bars;
    QValueAxis *m_countAxis;
    QTableWidget *m_waiting;
    QTableWidget *m_finished;
    QTabWidget *m_lists;
    QWidget *m_sidesBox;
    bool m_listChosen = false;
    QLineEdit *m_key;
    QPushButton *m_find;
    bool m_searching = false;
    QLabel *m_lookupNote;
    struct Side {
        QLabel *title;
        QListWidget *hits;
        EntryDetailView *detail;
        StreamEntryList entries;
    };
    Side m_sides[2];
    QTimer *m_timer;
};

} // namespace streamscope
