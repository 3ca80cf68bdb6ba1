/*
 * Delays every packet of one netfilter queue by a fixed time, for the network lab
 * (test/helpers/netlab.ts): this kernel has no sch_netem, so an iptables rule
 * `-j NFQUEUE --queue-num N` sends packets here and each one is accepted DELAY_MS after it
 * arrived, in arrival order. Built with libnetfilter_queue (Debian's libnetfilter-queue-dev).
 *
 * usage: nfq-delay QUEUE_NUM DELAY_MS
 * Prints "ready" on stdout once bound; runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Packets waiting: a ring of (packet id, due time). 100 ms of a video call is far below this. */
#define RING 65536
static uint32_t ids[RING];
static int64_t due[RING];
static unsigned head, tail;
static int64_t delay_ns;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *msg, struct nfq_data *data, void *arg) {
  (void)msg;
  (void)arg;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(data);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (tail - head >= RING) return nfq_set_verdict(q, id, NF_DROP, 0, NULL); /* full: a lossy link */
  ids[tail % RING] = id;
  due[tail % RING] = now_ns() + delay_ns;
  tail++;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: nfq-delay QUEUE_NUM DELAY_MS\n");
    return 2;
  }
  int queue = atoi(argv[1]);
  delay_ns = (int64_t)atoi(argv[2]) * 1000000;
  struct nfq_handle *h = nfq_open();
  if (!h) {
    perror("nfq_open");
    return 1;
  }
  struct nfq_q_handle *q = nfq_create_queue(h, queue, &on_packet, NULL);
  if (!q) {
    perror("nfq_create_queue");
    return 1;
  }
  /* Only the verdict matters: copy no payload. */
  if (nfq_set_mode(q, NFQNL_COPY_META, 0) < 0) {
    perror("nfq_set_mode");
    return 1;
  }
  nfq_set_queue_maxlen(q, RING);
  int fd = nfq_fd(h);
  printf("ready\n");
  fflush(stdout);
  char buf[4096] __attribute__((aligned));
  for (;;) {
    int timeout = -1;
    if (head != tail) {
      int64_t wait = due[head % RING] - now_ns();
      timeout = wait <= 0 ? 0 : (int)(wait / 1000000) + 1;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, timeout);
    if (n < 0 && errno != EINTR) {
      perror("poll");
      return 1;
    }
    if (n > 0) {
      ssize_t len = recv(fd, buf, sizeof buf, 0);
      if (len >= 0) nfq_handle_packet(h, buf, (int)len);
      else if (errno != ENOBUFS && errno != EINTR) {
        perror("recv");
        return 1;
      }
    }
    int64_t t = now_ns();
    while (head != tail && due[head % RING] <= t) {
      nfq_set_verdict(q, ids[head % RING], NF_ACCEPT, 0, NULL);
      head++;
    }
  }
}
