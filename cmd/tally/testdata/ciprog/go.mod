module example.com/ciprog

go 1.26
