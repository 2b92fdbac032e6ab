#pragma once

#include "FlowTracker.h"
#include "KeyLookup.h"

#include <QWidget>

#include <functional>

class QBarSet;
class QChart;
class QLabel;
class QLineEdit;
class QPushButton;
class QListWidget;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QTimer;
class QValueAxis;

namespace streamscope {

class EntryDetailView;
class GroupActions;

// The order -> payment pipeline, live: flows started, completed, failed and waiting; end-to-end
// latency percentiles and histogram (from the entry IDs' times); the flows waiting longer than a
// threshold; and a lookup of one key in every configured stream, its events side by side.
// Fed with the live tail's batches; refreshes once a second.
class FlowView : public QWidget {
    Q_OBJECT
public:
    explicit FlowView(QWidget *parent = nullptr);

    void setRequests(GroupActions *requests);
    void setConfig(const FlowConfig &config);
    const FlowConfig &config() const { return m_tracker.config(); }
    void addEntries(const streamscope::StreamEntryList &batch) { m_tracker.add(batch); }
    // Recomputes the figures now (the timer does it every second).
    void refresh();
    // Looks the key up in both streams; the answer arrives later (lookupFinished).
    void lookup(const QByteArray &key);
    void reset();

    const FlowStats &stats() const { return m_stats; }
    const KeyLookupResult &lastLookup() const { return m_lookup; }
    QString counterText(const QString &name) const; // "started", "completed", ... (tests)
    std::function<qint64()> clock;                  // ms since epoch; the wall clock by default
    // The live window's entries whose field equals value (the window sets it): merged into a
    // lookup, so events still on screen are found even when the server trimmed them away.
    std::function<StreamEntryList(const QByteArray &field, const QByteArray &value)> searchLive;
    qint64 refreshCount() const { return m_refreshes; }
    // The histogram's bars as shown: counts per bin, and the bins' lower edges in ms.
    QList<qreal> histogramBars() const;
    static QList<qint64> histogramEdges();

Q_SIGNALS:
    void lookupFinished();
    void configChanged(const streamscope::FlowConfig &config);

private:
    void buildUi();
    void applyForm();
    void showLookup(const KeyLookupResult &result);
    void updateHistogram();

    FlowTracker m_tracker;
    FlowStats m_stats;
    KeyLookupResult m_lookup;
    GroupActions *m_requests = nullptr;
    int m_request = 0;
    qint64 m_refreshes = 0;

    QLineEdit *m_startStream, *m_endStream, *m_keyField, *m_typeField;
    QLineEdit *m_startType, *m_completedType, *m_failedType;
    QSpinBox *m_threshold;
    QHash<QString, QLabel *> m_counters;
    QLabel *m_latency;
    QLabel *m_note;
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
