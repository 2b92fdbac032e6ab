#pragma once

#include "Freshness.h"

#include "StreamCatalog.h"
#include "StreamInfo.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>

namespace streamscope {

// The streams of the server, with an events/s rate from entries-added (length on servers
// before 7.0) between two polls. Updated in place: rows that stay keep their selection.
//
// Two ways to be filled:
// - setStreams(): the rows are exactly these streams, each with its figures;
// - paged (applyPage() and setFigures()): the rows are names as the server's SCAN finds them,
//   a page at a time (canFetchMore()/fetchMore() ask for the next one through moreWanted), and
//   the figures come only for the streams watched: a row not watched shows its name, its
//   figures "-" (or the last ones, greyed, with their time) and says why in its tooltip.
class StreamListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    // Node and slot: where a stream lives on a cluster (the window hides them when standalone).
    enum Column {
        NameColumn,
        LengthColumn,
        LastIdColumn,
        RateColumn,
        NodeColumn,
        SlotColumn,
        ColumnCount
    };
    enum Role { NameRole = Qt::UserRole + 1, WatchedRole };

    explicit StreamListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    void setStreams(const streamscope::StreamInfoList &streams, qint64 nowMs);
    // Paged: names from the server's search (a reset, a next page, new and gone streams).
    void applyPage(const streamscope::StreamCatalogPage &page);
    // Paged: the figures of the streams watched now (the others keep their last ones, greyed).
    void setFigures(const streamscope::StreamInfoList &streams, qint64 nowMs);
    // Paged and empty: no rows, nothing more to fetch until the first page.
    void clear();
    bool isPaged() const { return m_paged; }
    // Paged: the search has more pages (the view asks for them at its end).
    bool hasMore() const { return m_paged && m_started && !m_complete; }
    int watchedCount() const { return int(m_current.size()); }
    int rowOf(const QByteArray &name) const { return m_rowOf.value(name, -1); }
    QByteArray nameAt(int row) const { return m_rows.value(row); }

    QList<QByteArray> names() const { return m_rows; }
    double rate(const QByteArray &name) const { return m_rates.value(name); }
    // The server stopped answering: rates show "-", not the last value.
    // Not current: every figure greyed, rates "-", and the tooltips say since when and why.
    void setFreshness(const streamscope::Freshness &freshness);
    void setStale(bool stale);
    bool isStale() const { return m_stale; }

Q_SIGNALS:
    // The view reached the end of the rows and the search has more: ask for the next page.
    void moreWanted();

private:
    struct Sample {
        qint64 atMs = 0;
        qint64 count = 0;
        bool added = false; // count is entries-added (else the length)
    };
    void updateRates(const StreamInfoList &streams, qint64 nowMs);
    void reindex();
    void allChanged(const QList<int> &roles = {});

    bool m_stale = false;
    Freshness m_freshness;
    QList<QByteArray> m_rows;
    QHash<QByteArray, int> m_rowOf;
    QHash<QByteArray, StreamInfo> m_info; // the last figures of each stream watched
    QHash<QByteArray, qint64> m_infoAtMs; // when
    QSet<QByteArray> m_current;           // watched in the last poll
    QHash<QByteArray, Sample> m_samples;
    QHash<QByteArray, double> m_rates;
    bool m_paged = false;
    bool m_started = false; // a first page came
    bool m_complete = false;
    bool m_fetching = false;
    quint64 m_generation = 0;
};

} // namespace streamscope
