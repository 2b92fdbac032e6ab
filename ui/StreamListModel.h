#pragma once

#include "Freshness.h"

#include "StreamInfo.h"

#include <QAbstractTableModel>
#include <QHash>

namespace streamscope {

// The streams the poller found, with an events/s rate from entries-added (length on servers
// before 7.0) between two polls. Updated in place: rows that stay keep their selection.
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
    enum Role { NameRole = Qt::UserRole + 1 };

    explicit StreamListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void setStreams(const streamscope::StreamInfoList &streams, qint64 nowMs);
    QList<QByteArray> names() const;
    double rate(const QByteArray &name) const { return m_rates.value(name); }
    // The server stopped answering: rates show "-", not the last value.
    // Not current: every figure greyed, rates "-", and the tooltips say since when and why.
    void setFreshness(const streamscope::Freshness &freshness);
    void setStale(bool stale);
    bool isStale() const { return m_stale; }

private:
    struct Sample {
        qint64 atMs = 0;
        qint64 count = 0;
        bool added = false; // count is entries-added (else the length)
    };
    bool m_stale = false;
    Freshness m_freshness;
    StreamInfoList m_streams;
    QHash<QByteArray, Sample> m_samples;
    QHash<QByteArray, double> m_rates;
};

} // namespace streamscope
